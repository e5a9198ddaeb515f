#include <stdio.h>
int main(void) { puts("icsflow"); return 0; }
