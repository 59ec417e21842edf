/**
 * Driver models (issue 4, not built yet): the GpuDriverModel SPI with Midgard (kbase) and Utgard models that unmap, compress and restore pages on faults. Empty until then.
 */
package dev.gmc.driver;
