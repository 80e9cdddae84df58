/*
 * The byte scanner's layout path (FastScanner.scanTemplate in ../fast-scan.ts) in C, built to WebAssembly by
 * scripts/build-wasm.mjs with Debian's clang and lld (no libc). It reads one line against one learned layout: the
 * same bytes between the values, compared in place, and the values read into the scanner's slots. It must give
 * exactly what the TypeScript scanner gives for every line; where that needs JavaScript (a number of more than 15
 * significant digits or with an exponent, which Number() of its text reads), it answers NEEDS_JS and the
 * TypeScript scanner reads the line instead. fast-scan-wasm.test.ts checks both against each other.
 *
 * Memory: the module owns its (fixed) memory. The scanner's outputs and the line buffer are static arrays whose
 * addresses the host asks for; the host writes the lines into `input` and a layout into `staging`.
 */

#define MAX_FIELDS 72          /* standard slots + MAX_EXTRAS, as the TypeScript scanner sizes its arrays */
#define MAX_EXTRAS 64
#define MAX_LAYOUTS 8          /* layouts held at once (the scanner keeps 4 live) */
#define LAYOUT_BYTES 4096      /* literal bytes of one layout; a longer layout stays in TypeScript */
#define INPUT_BYTES (2 << 20)  /* the lines of one scan call */

enum { ABSENT = 0, KIND_NULL = 1, NUMBER = 2, STRING = 3, KIND_TRUE = 4, KIND_FALSE = 5, RAW = 6 };
enum { NO_MATCH = 0, MATCH = 1, NEEDS_JS = 2 };

typedef unsigned char u8;

static u8 input[INPUT_BYTES];

/* The scanner's slots: standard ones first, then the line's extra fields (as FastScanner's kinds/numbers/...). */
static u8 kinds[MAX_FIELDS];
static double numbers[MAX_FIELDS];
static int starts[MAX_FIELDS];
static int ends[MAX_FIELDS];
static int extra_slot[MAX_EXTRAS];
static int extra_count;
static int standard;

/* A layout: its slots in line order, and the literal bytes before each value and after the last. */
struct layout {
  int count;
  short slots[MAX_FIELDS];
  int literal_start[MAX_FIELDS + 1];
  int literal_length[MAX_FIELDS + 1];
  u8 bytes[LAYOUT_BYTES];
};
static struct layout layouts[MAX_LAYOUTS];
/* Where the host writes a layout before set_layout: count, slots, literal lengths, then the bytes. */
static struct layout staging;

/* Bytes that end a plain string: a quote, a backslash, a control character, non-ASCII. */
static inline int string_stop(u8 c) { return c == 0x22 || c == 0x5c || c < 0x20 || c >= 0x80; }

static const double POW10[16] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

static int match_word(int at, int end, const char *word, int length) {
  if (at + length > end) {
    return 0;
  }
  for (int i = 0; i < length; i++) {
    if (input[at + i] != (u8)word[i]) {
      return 0;
    }
  }
  return 1;
}

/* Eight bytes at a time: does the word hold a byte that ends a plain string? (see wordStops in fast-scan.ts) */
static inline int word_stops(unsigned long long w) {
  const unsigned long long ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  unsigned long long quotes = w ^ (0x22 * ones), backslashes = w ^ (0x5c * ones);
  return ((w & highs) | ((quotes - ones) & ~quotes & highs) | ((backslashes - ones) & ~backslashes & highs) |
          ((w - 0x20 * ones) & ~w & highs)) != 0;
}

/* A JSON number at p into `slot`, as scanNumber: the position after it, -1 if not JSON, -2 if JavaScript must read it. */
static int scan_number(int p, int end, int slot) {
  int negative = 0;
  if (input[p] == 0x2d) {
    negative = 1;
    p++;
  }
  if (p >= end) {
    return -1;
  }
  double mantissa = 0;
  int digits = 0, fraction = 0;
  u8 c = input[p];
  if (c == 0x30) {
    p++;
    if (p < end && input[p] >= 0x30 && input[p] <= 0x39) {
      return -1;
    }
  } else if (c > 0x30 && c <= 0x39) {
    while (p < end && (c = input[p]) >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      p++;
    }
  } else {
    return -1;
  }
  if (p < end && input[p] == 0x2e) {
    p++;
    if (p >= end || input[p] < 0x30 || input[p] > 0x39) {
      return -1;
    }
    while (p < end && (c = input[p]) >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      fraction++;
      p++;
    }
  }
  if (p < end && (input[p] == 0x65 || input[p] == 0x45)) {
    return -2; /* an exponent: Number() of the text */
  }
  if (digits > 15) {
    return -2;
  }
  double value = fraction == 0 ? mantissa : mantissa / POW10[fraction];
  kinds[slot] = NUMBER;
  numbers[slot] = negative ? -value : value;
  return p;
}

/* The value at p into `slot`, as scanValue: the position after it, -1 when the fast path does not read it. */
static int scan_value(int p, int end, int slot) {
  if (p >= end) {
    return -1;
  }
  u8 c = input[p];
  if (c == 0x22) {
    int value_start = ++p;
    while (p + 8 <= end) {
      unsigned long long w;
      __builtin_memcpy(&w, input + p, 8);
      if (word_stops(w)) {
        break;
      }
      p += 8;
    }
    while (p < end && !string_stop(input[p])) {
      p++;
    }
    if (p >= end || input[p] != 0x22) {
      return -1;
    }
    kinds[slot] = STRING;
    starts[slot] = value_start;
    ends[slot] = p;
    return p + 1;
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
    if (c == 0x2d && match_word(p + 1, end, "Infinity", 8)) {
      kinds[slot] = KIND_NULL;
      return p + 9;
    }
    return scan_number(p, end, slot);
  }
  if (c == 0x6e && match_word(p, end, "null", 4)) {
    kinds[slot] = KIND_NULL;
    return p + 4;
  }
  if (c == 0x74 && match_word(p, end, "true", 4)) {
    kinds[slot] = KIND_TRUE;
    return p + 4;
  }
  if (c == 0x66 && match_word(p, end, "false", 5)) {
    kinds[slot] = KIND_FALSE;
    return p + 5;
  }
  if (c == 0x4e && match_word(p, end, "NaN", 3)) {
    kinds[slot] = KIND_NULL;
    return p + 3;
  }
  if (c == 0x49 && match_word(p, end, "Infinity", 8)) {
    kinds[slot] = KIND_NULL;
    return p + 8;
  }
  return -1;
}

/* The end of the string, object or array at p, as skipJson: brackets matched, strings skipped; -1 if the line ends. */
static int skip_json(int p, int end) {
  int depth = 0;
  while (p < end) {
    u8 c = input[p++];
    if (c == 0x22) {
      while (p < end && input[p] != 0x22) {
        p += input[p] == 0x5c ? 2 : 1;
      }
      if (p >= end) {
        return -1;
      }
      p++;
    } else if (c == 0x7b || c == 0x5b) {
      depth++;
    } else if (c == 0x7d || c == 0x5d) {
      depth--;
    }
    if (depth <= 0) {
      return p;
    }
  }
  return -1;
}

/* The value of key `slot` at p, as scanField (a layout never holds a key twice: the line it was learned from had not). */
static int scan_field(int p, int end, int slot) {
  if (slot < standard) {
    return kinds[slot] == ABSENT ? scan_value(p, end, slot) : -1;
  }
  int extra = extra_count;
  if (extra >= MAX_EXTRAS) {
    return -1;
  }
  extra_slot[extra] = slot;
  extra_count = extra + 1;
  int at = standard + extra;
  int next = scan_value(p, end, at);
  u8 c = input[p];
  if (next != -1 || (c != 0x22 && c != 0x7b && c != 0x5b)) {
    return next;
  }
  int after = skip_json(p, end);
  if (after >= 0) {
    kinds[at] = RAW;
    starts[at] = p;
    ends[at] = after;
  }
  return after;
}

static inline int literal_at(const struct layout *l, int f, int p, int end) {
  int length = l->literal_length[f];
  if (p + length > end) {
    return 0;
  }
  const u8 *bytes = l->bytes + l->literal_start[f];
  int i = 0;
  for (; i + 8 <= length; i += 8) {
    unsigned long long a, b;
    __builtin_memcpy(&a, input + p + i, 8);
    __builtin_memcpy(&b, bytes + i, 8);
    if (a != b) {
      return 0;
    }
  }
  for (; i < length; i++) {
    if (input[p + i] != bytes[i]) {
      return 0;
    }
  }
  return 1;
}

/* input[start, end) against layout `id`: MATCH (the slots hold the line), NO_MATCH, or NEEDS_JS. */
__attribute__((export_name("scan_layout"))) int scan_layout(int id, int start, int end) {
  const struct layout *l = &layouts[id];
  for (int i = 0; i < standard; i++) {
    kinds[i] = ABSENT;
  }
  extra_count = 0;
  int p = start;
  for (int f = 0; f < l->count; f++) {
    if (!literal_at(l, f, p, end)) {
      return NO_MATCH;
    }
    p = scan_field(p + l->literal_length[f], end, l->slots[f]);
    if (p < 0) {
      return p == -2 ? NEEDS_JS : NO_MATCH;
    }
  }
  int last = l->count;
  return p + l->literal_length[last] == end && literal_at(l, last, p, end) ? MATCH : NO_MATCH;
}

/* Takes the layout in `staging` (count, slots, literal lengths and bytes, the starts made here) as layout `id`. */
__attribute__((export_name("set_layout"))) int set_layout(int id) {
  struct layout *l = &layouts[id];
  int total = 0;
  l->count = staging.count;
  for (int f = 0; f <= staging.count; f++) {
    if (f < staging.count) {
      l->slots[f] = staging.slots[f];
    }
    l->literal_start[f] = total;
    l->literal_length[f] = staging.literal_length[f];
    total += staging.literal_length[f];
  }
  for (int i = 0; i < total; i++) {
    l->bytes[i] = staging.bytes[i];
  }
  return total;
}

__attribute__((export_name("set_standard"))) void set_standard(int count) { standard = count; }

/* Addresses and sizes the host needs. */
__attribute__((export_name("input_address"))) u8 *input_address(void) { return input; }
__attribute__((export_name("input_capacity"))) int input_capacity(void) { return INPUT_BYTES; }
__attribute__((export_name("kinds_address"))) u8 *kinds_address(void) { return kinds; }
__attribute__((export_name("numbers_address"))) double *numbers_address(void) { return numbers; }
__attribute__((export_name("starts_address"))) int *starts_address(void) { return starts; }
__attribute__((export_name("ends_address"))) int *ends_address(void) { return ends; }
__attribute__((export_name("extra_slot_address"))) int *extra_slot_address(void) { return extra_slot; }
__attribute__((export_name("extra_count_address"))) int *extra_count_address(void) { return &extra_count; }
__attribute__((export_name("staging_count_address"))) int *staging_count_address(void) { return &staging.count; }
__attribute__((export_name("staging_slots_address"))) short *staging_slots_address(void) { return staging.slots; }
__attribute__((export_name("staging_lengths_address"))) int *staging_lengths_address(void) {
  return staging.literal_length;
}
__attribute__((export_name("staging_bytes_address"))) u8 *staging_bytes_address(void) { return staging.bytes; }
__attribute__((export_name("max_fields"))) int max_fields(void) { return MAX_FIELDS; }
__attribute__((export_name("layout_bytes"))) int layout_bytes(void) { return LAYOUT_BYTES; }
__attribute__((export_name("max_layouts"))) int max_layouts(void) { return MAX_LAYOUTS; }
