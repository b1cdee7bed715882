/* The simulated NVML library exports the same symbols as libnvidia-ml.so.1; it has no API
 * of its own. Its state comes from the scenario file named by GPUCLUSTER_SIM_SCENARIO. */
#ifndef GPUCLUSTER_SIMNVML_H
#define GPUCLUSTER_SIMNVML_H
int gpucluster_simnvml_present(void);
#endif
