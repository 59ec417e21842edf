/**
 * Text inputs (replay traces, dump manifests) read strictly as UTF-8: a byte that is not UTF-8 is an error that names
 * the file, the line, the column and the byte, never the JDK's bare "Input length = 1", and never a silent
 * replacement character that would turn into a puzzling name or number further on.
 */
package dev.gmc.core.text;
