{
  "targets": [
    {
      "target_name": "layer_tar_native",
      "sources": ["native/layer_tar_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
