/** Reading Arabic numerals aloud in Mandarin: cardinals, digit strings and decimals. */

const CHINESE_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const PLACE_UNITS: readonly [number, string][] = [
  [1000, '千'],
  [100, '百'],
  [10, '十'],
  [1, ''],
];
const GROUP_UNITS = ['', '万', '亿', '万亿'];
const MAX_CARDINAL_DIGITS = 4 * GROUP_UNITS.length;

/** Reads each digit on its own, as for years, phone numbers and codes: "2024" → 二零二四. */
export function readDigitsInChinese(digits: string): string {
  return Array.from(digits, (digit) => CHINESE_DIGITS[Number(digit)]).join('');
}

/**
 * Reads a non-negative integer as a Mandarin cardinal: "10" → 十, "1001" → 一千零一,
 * "20000001" → 两千万零一. Numbers longer than 16 digits are read digit by digit.
 */
export function readChineseInteger(digits: string): string {
  const significant = digits.replace(/^0+(?=\d)/, '');
  if (significant.length > MAX_CARDINAL_DIGITS) return readDigitsInChinese(significant);
  if (significant === '0') return CHINESE_DIGITS[0];

  const groups: number[] = [];
  for (let end = significant.length; end > 0; end -= 4) {
    groups.unshift(Number(significant.slice(Math.max(0, end - 4), end)));
  }
  let reading = '';
  let zeroPending = false;
  groups.forEach((group, index) => {
    if (group === 0) {
      zeroPending = reading !== '';
      return;
    }
    if (reading !== '' && (zeroPending || group < 1000)) reading += CHINESE_DIGITS[0];
    reading += readFourDigitGroup(group) + GROUP_UNITS[groups.length - 1 - index];
    zeroPending = false;
  });
  if (reading.startsWith('一十')) reading = reading.slice(1);
  if (/^二[千万亿]/.test(reading)) reading = `两${reading.slice(1)}`;
  return reading;
}

/** Reads a decimal: integer part as a cardinal, fraction digit by digit: "3.14" → 三点一四. */
export function readChineseDecimal(integerDigits: string, fractionDigits: string): string {
  const integerReading = readChineseInteger(integerDigits === '' ? '0' : integerDigits);
  if (fractionDigits === '') return integerReading;
  return `${integerReading}点${readDigitsInChinese(fractionDigits)}`;
}

/** Reads a plain number such as "-1,234.5" (sign, grouping commas, decimals) → 负一千二百三十四点五. */
export function readChineseNumber(numberText: string): string {
  const negative = numberText.startsWith('-');
  const [integerDigits, fractionDigits = ''] = numberText
    .replace(/^-/, '')
    .replace(/,/g, '')
    .split('.');
  return `${negative ? '负' : ''}${readChineseDecimal(integerDigits, fractionDigits)}`;
}

function readFourDigitGroup(group: number): string {
  let reading = '';
  let zeroPending = false;
  for (const [place, unit] of PLACE_UNITS) {
    const digit = Math.floor(group / place) % 10;
    if (digit === 0) {
      zeroPending = reading !== '';
      continue;
    }
    if (zeroPending) reading += CHINESE_DIGITS[0];
    reading += CHINESE_DIGITS[digit] + unit;
    zeroPending = false;
  }
  return reading;
}
