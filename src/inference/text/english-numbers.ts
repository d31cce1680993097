/** Reading Arabic numerals aloud in English: cardinals, ordinals, years, decimals, digit strings. */

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'];
const MAX_CARDINAL_DIGITS = 3 * SCALES.length;

const IRREGULAR_ORDINALS: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

/** Reads each digit on its own: "007" → "zero zero seven". */
export function readDigitsInEnglish(digits: string): string {
  return Array.from(digits, (digit) => ONES[Number(digit)]).join(' ');
}

/**
 * Reads a non-negative integer: "123" → "one hundred and twenty-three", "1005" → "one thousand
 * and five" (the style of Python's inflect, which the official frontend uses). Numbers longer
 * than 18 digits are read digit by digit.
 */
export function readEnglishInteger(digits: string): string {
  const significant = digits.replace(/^0+(?=\d)/, '');
  if (significant.length > MAX_CARDINAL_DIGITS) return readDigitsInEnglish(significant);
  if (significant === '0') return ONES[0];

  const groups: number[] = [];
  for (let end = significant.length; end > 0; end -= 3) {
    groups.unshift(Number(significant.slice(Math.max(0, end - 3), end)));
  }
  const words: string[] = [];
  groups.forEach((group, index) => {
    if (group === 0) return;
    const isLastGroup = index === groups.length - 1;
    if (isLastGroup && groups.length > 1 && group < 100) words.push('and');
    words.push(readBelowThousand(group));
    const scale = SCALES[groups.length - 1 - index];
    if (scale !== '') words.push(scale);
  });
  return words.join(' ');
}

/** "1" → "first", "21" → "twenty-first", "100" → "one hundredth". */
export function readEnglishOrdinal(digits: string): string {
  const cardinal = readEnglishInteger(digits);
  const match = /^(.*?)([a-z]+)$/.exec(cardinal);
  if (match === null) return cardinal;
  const [, head, lastWord] = match;
  const ordinal =
    IRREGULAR_ORDINALS[lastWord] ??
    (lastWord.endsWith('y') ? `${lastWord.slice(0, -1)}ieth` : `${lastWord}th`);
  return head + ordinal;
}

/** "3", "14" → "three point one four". */
export function readEnglishDecimal(integerDigits: string, fractionDigits: string): string {
  const integerReading = readEnglishInteger(integerDigits === '' ? '0' : integerDigits);
  if (fractionDigits === '') return integerReading;
  return `${integerReading} point ${readDigitsInEnglish(fractionDigits)}`;
}

/** Reads a plain number such as "-1,234.5" → "minus one thousand two hundred and ... point five". */
export function readEnglishNumber(numberText: string): string {
  const negative = numberText.startsWith('-');
  const [integerDigits, fractionDigits = ''] = numberText
    .replace(/^-/, '')
    .replace(/,/g, '')
    .split('.');
  return `${negative ? 'minus ' : ''}${readEnglishDecimal(integerDigits, fractionDigits)}`;
}

/**
 * Reads a year the way it is spoken: 1999 → "nineteen ninety-nine", 1905 → "nineteen oh five",
 * 1900 → "nineteen hundred", 2024 → "twenty twenty-four"; 2000–2009 as cardinals.
 */
export function readEnglishYear(year: number): string {
  if (year < 1000 || year > 9999 || (year >= 2000 && year < 2010) || year % 1000 === 0) {
    return readEnglishInteger(String(year));
  }
  const century = Math.floor(year / 100);
  const rest = year % 100;
  if (rest === 0) return `${readBelowThousand(century)} hundred`;
  if (rest < 10) return `${readBelowThousand(century)} oh ${ONES[rest]}`;
  return `${readBelowThousand(century)} ${readBelowThousand(rest)}`;
}

/** Makes the last word of a reading plural: "nineteen ninety" → "nineteen nineties". */
export function pluralizeLastWord(reading: string): string {
  if (reading.endsWith('y')) return `${reading.slice(0, -1)}ies`;
  if (reading.endsWith('x')) return `${reading}es`;
  return `${reading}s`;
}

function readBelowThousand(value: number): string {
  const hundreds = Math.floor(value / 100);
  const rest = value % 100;
  const words: string[] = [];
  if (hundreds > 0) words.push(`${ONES[hundreds]} hundred`);
  if (rest > 0) {
    if (hundreds > 0) words.push('and');
    words.push(readBelowHundred(rest));
  }
  return words.join(' ');
}

function readBelowHundred(value: number): string {
  if (value < 20) return ONES[value];
  const ones = value % 10;
  return ones === 0
    ? TENS[Math.floor(value / 10)]
    : `${TENS[Math.floor(value / 10)]}-${ONES[ones]}`;
}
