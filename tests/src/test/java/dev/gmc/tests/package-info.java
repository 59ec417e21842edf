/** Cross-module tests: the gmc command line end to end against the library's own figures. */
package dev.gmc.tests;
