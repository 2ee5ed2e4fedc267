// Script for child_process.fork rows: an empty program.
