// Script for child_process.fork .ts rows (run with --import tsx): an empty program.
export {};
