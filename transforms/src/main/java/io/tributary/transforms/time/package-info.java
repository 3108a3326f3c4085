/**
 * Event time: assigning element timestamps from a record field.
 *
 * <p>Windowing and trigger specifications build on this; sources and their watermarks do not live
 * here.
 */
package io.tributary.transforms.time;
