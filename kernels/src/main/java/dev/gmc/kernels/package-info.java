/**
 * OpenCL LZ4 page-compression kernels and their JOCL host side (issue 5, not built yet). Empty until then.
 */
package dev.gmc.kernels;
