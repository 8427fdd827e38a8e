/* fuzz_checkpoint.c: libFuzzer target for the checkpoint loader (`make fuzz`).
 *
 * Feeds arbitrary bytes to checkpoint_parse. Most random bytes fail the CRC-32 check at once,
 * so when the input's first byte is odd the target first rewrites the last four bytes with the
 * correct CRC: the fuzzer then reaches the section parsers behind the checksum. Any crash,
 * sanitizer report, leak or timeout is a bug; a refusal (return -1 with a message) is fine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "run/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (size >= 24 && (data[0] & 1)) {
        copy[0] = 'P'; /* keep the magic so the parse goes on */
        uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), copy, size - 4);
        memcpy(copy + size - 4, &crc, 4);
    }
    Checkpoint ck;
    Err err;
    if (checkpoint_parse(&ck, copy, size, "fuzz", &err) == 0) checkpoint_free(&ck);
    free(copy);
    return 0;
}
