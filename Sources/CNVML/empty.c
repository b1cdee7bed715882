/* Header-only target: see include/nvml_abi.h. */
