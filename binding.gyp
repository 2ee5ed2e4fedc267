{
  "targets": [
    {
      "target_name": "multiproc",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/binding.cc",
            "native/common.cc",
            "native/fd.cc",
            "native/idle.cc",
            "native/loop.cc",
            "native/poll.cc",
            "native/process.cc",
            "native/shm.cc",
            "native/socket.cc",
            "native/sync.cc",
            "native/v8-bridge.cc"
          ],
          "cflags_cc": ["-std=gnu++20", "-Wall", "-Wextra", "-Wno-unused-parameter"],
          "libraries": ["-lrt"]
        }, {
          "sources": ["native/unsupported.cc"]
        }]
      ]
    }
  ]
}
