/* token.h - bearer tokens: made from libsodium's random generator, shown to
 * a person once, and stored only as a BLAKE2b hash. */
#ifndef ICS_CORE_TOKEN_H
#define ICS_CORE_TOKEN_H

#define TOKEN_LEN      43 /* 32 random bytes, URL-safe base64 without padding */
#define TOKEN_HASH_LEN 64

/* Initialise libsodium once; 0 or -1. */
int token_init(void);
void token_new(char out[TOKEN_LEN + 1]);
void token_hash(const char *token, char out[TOKEN_HASH_LEN + 1]);

#endif
