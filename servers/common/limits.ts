/** Limits shared by every Node contract server, so no server wins by accepting less. */

/**
 * Largest message a server accepts: 16 MiB. Set deliberately (ws defaults to 100 MiB, uWS to 16 KiB,
 * which would reject the 64 KiB payloads the suite sends); a larger message closes the connection.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
