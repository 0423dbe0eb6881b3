{
  "targets": [
    {
      "target_name": "durable_fs_native",
      "sources": ["native/durable_fs_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
