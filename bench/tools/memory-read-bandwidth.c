/*
 * Memory read bandwidth for BENCHMARKS.md (the LLM decode bound): every thread sums its share of
 * a 2 GiB buffer, far larger than the caches, 5 times; prints the best GB/s per thread count.
 * Build and run: gcc -O3 -march=native -pthread bench/tools/memory-read-bandwidth.c -o /tmp/mrb && /tmp/mrb
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUFFER_BYTES (2UL << 30)
#define REPEATS 5

struct share {
  const double *start;
  size_t count;
  double sum;
};

static void *sum_share(void *arg) {
  struct share *share = arg;
  double lanes[8] = {0};
  for (size_t i = 0; i + 8 <= share->count; i += 8)
    for (int lane = 0; lane < 8; lane++) lanes[lane] += share->start[i + lane];
  share->sum = 0;
  for (int lane = 0; lane < 8; lane++) share->sum += lanes[lane];
  return NULL;
}

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

int main(void) {
  size_t count = BUFFER_BYTES / sizeof(double);
  double *buffer = malloc(BUFFER_BYTES);
  if (buffer == NULL) return 1;
  memset(buffer, 1, BUFFER_BYTES);
  for (int threads = 1; threads <= 2; threads++) {
    double best = 0;
    double total = 0;
    for (int repeat = 0; repeat < REPEATS; repeat++) {
      pthread_t ids[2];
      struct share shares[2];
      double start = seconds();
      for (int t = 0; t < threads; t++) {
        shares[t] = (struct share){buffer + t * (count / threads), count / threads, 0};
        pthread_create(&ids[t], NULL, sum_share, &shares[t]);
      }
      for (int t = 0; t < threads; t++) {
        pthread_join(ids[t], NULL);
        total += shares[t].sum;
      }
      double rate = BUFFER_BYTES / (seconds() - start) / 1e9;
      if (rate > best) best = rate;
    }
    printf("%d thread(s): %.1f GB/s read (checksum %g)\n", threads, best, total);
  }
  free(buffer);
  return 0;
}
