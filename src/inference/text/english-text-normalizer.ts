import {
  pluralizeLastWord,
  readDigitsInEnglish,
  readEnglishDecimal,
  readEnglishInteger,
  readEnglishNumber,
  readEnglishOrdinal,
  readEnglishYear,
} from './english-numbers.js';
import { escapeForRegex } from './regex-escape.js';

/**
 * English text normalisation: money, percentages, times, dates, ordinals, decimals, years,
 * cardinals and a few symbols read out as words (what wetext + inflect do in the official
 * frontend; our own rules), then whitespace collapsed.
 */
export function normalizeEnglishText(text: string): string {
  const expanded = expandAbbreviations(text);
  return readSymbolsInEnglish(readNumbersInEnglish(expanded)).replace(/\s+/g, ' ').trim();
}

/**
 * Abbreviations whose period would otherwise end a sentence, with their spoken form. Matched
 * case-sensitively at a word start.
 */
const ABBREVIATIONS: readonly [RegExp, string][] = [
  [/\bMr\.(?=\s)/g, 'Mister'],
  [/\bMrs\.(?=\s)/g, 'Missus'],
  [/\bMs\.(?=\s)/g, 'Miz'],
  [/\bDr\.(?=\s)/g, 'Doctor'],
  [/\bProf\.(?=\s)/g, 'Professor'],
  [/\bvs\.(?=\s)/g, 'versus'],
  [/\be\.g\.(?=[\s,])/g, 'for example'],
  [/\bi\.e\.(?=[\s,])/g, 'that is'],
  [/\betc\.(?=\s+[a-z])/g, 'et cetera'],
  [/\bNo\.\s?(?=\d)/g, 'number '],
  [/#(?=\d)/g, 'number '],
];

function expandAbbreviations(text: string): string {
  return ABBREVIATIONS.reduce((result, [pattern, spoken]) => result.replace(pattern, spoken), text);
}

interface Currency {
  one: string;
  many: string;
  subunitOne?: string;
  subunitMany?: string;
}

const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', subunitOne: 'cent', subunitMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', subunitOne: 'penny', subunitMany: 'pence' },
  '€': { one: 'euro', many: 'euros', subunitOne: 'cent', subunitMany: 'cents' },
  '¥': { one: 'yen', many: 'yen' },
  '₹': { one: 'rupee', many: 'rupees', subunitOne: 'paisa', subunitMany: 'paise' },
};

const SCALE_WORDS: Record<string, string> = {
  thousand: 'thousand',
  million: 'million',
  billion: 'billion',
  trillion: 'trillion',
  k: 'thousand',
  K: 'thousand',
  m: 'million',
  M: 'million',
  mn: 'million',
  b: 'billion',
  B: 'billion',
  bn: 'billion',
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const UNITS: Record<string, [string, string]> = {
  '°C': ['degree Celsius', 'degrees Celsius'],
  '℃': ['degree Celsius', 'degrees Celsius'],
  '°F': ['degree Fahrenheit', 'degrees Fahrenheit'],
  '℉': ['degree Fahrenheit', 'degrees Fahrenheit'],
  '°': ['degree', 'degrees'],
  km: ['kilometer', 'kilometers'],
  kg: ['kilogram', 'kilograms'],
  cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'],
  ml: ['milliliter', 'milliliters'],
  mph: ['mile per hour', 'miles per hour'],
  'km/h': ['kilometer per hour', 'kilometers per hour'],
};

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;

const MONEY_PATTERN = new RegExp(
  String.raw`(-?)([${Object.keys(CURRENCIES).map(escapeForRegex).join('')}])\s?(${NUMBER})(?:\s?(thousand|million|billion|trillion|bn|mn|[kKmMbB])\b)?`,
  'g',
);

const UNIT_PATTERN = new RegExp(
  String.raw`(?<![\w.])(-?)(${NUMBER})(?:\s?[-~～–]\s?(${NUMBER}))?\s?(${Object.keys(UNITS)
    .sort((a, b) => b.length - a.length)
    .map(escapeForRegex)
    .join('|')})(?![A-Za-z])`,
  'g',
);

/** Currency before the amount: $12.50 → twelve dollars and fifty cents, $1.2 million, £5, €3. */
function readMoneyAmounts(text: string): string {
  return text.replace(
    MONEY_PATTERN,
    (_match, sign: string, symbol: string, amount: string, scale: string | undefined) =>
      `${sign === '-' ? 'minus ' : ''}${readMoney(amount, CURRENCIES[symbol], scale)}`,
  );
}

/** 50% → fifty percent, 10-15% → ten to fifteen percent. */
function readPercentages(text: string): string {
  return text
    .replace(
      new RegExp(String.raw`(?<![\d.])(${NUMBER})%?\s?[-–~]\s?(${NUMBER})\s?%`, 'g'),
      (_match, from: string, to: string) =>
        `${readEnglishNumber(from)} to ${readEnglishNumber(to)} percent`,
    )
    .replace(
      new RegExp(String.raw`(?<![\d.])(-?)(${NUMBER})\s?%`, 'g'),
      (_match, sign: string, amount: string) =>
        `${sign === '-' ? 'minus ' : ''}${readEnglishNumber(amount)} percent`,
    );
}

/** Numbers with a unit: 5 km → five kilometers, -5°C → minus five degrees Celsius. */
function readMeasures(text: string): string {
  return text.replace(
    UNIT_PATTERN,
    (_match, sign: string, amount: string, rangeEnd: string | undefined, unit: string) => {
      const [one, many] = UNITS[unit];
      const from = readEnglishNumber(sign + amount);
      if (rangeEnd !== undefined) return `${from} to ${readEnglishNumber(rangeEnd)} ${many}`;
      return `${from} ${amount === '1' && sign === '' ? one : many}`;
    },
  );
}

/** 10:30 → ten thirty, 10:05 am → ten oh five AM, 9 p.m. → nine PM. */
function readClockTimes(text: string): string {
  return text
    .replace(
      /(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])(?:\s?([AaPp])\.?\s?[Mm]\b(\.?))?/g,
      (match, hour: string, minute: string, second?: string, half?: string, dot?: string) =>
        readClockTime(Number(hour), Number(minute), second, half, dot) ?? match,
    )
    .replace(
      /(?<![\d.:])(\d{1,2})\s?([AaPp])\.?\s?[Mm]\b(\.?)/g,
      (match, hour: string, half: string, dot: string) =>
        Number(hour) >= 1 && Number(hour) <= 12
          ? `${readEnglishInteger(hour)} ${half.toUpperCase()}M${dot}`
          : match,
    );
}

/** 2024-05-01 → May first, twenty twenty-four; May 5 → May fifth. */
function readDates(text: string): string {
  return text
    .replace(
      /(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])/g,
      (match, year: string, month: string, day: string) => {
        const monthNumber = Number(month);
        const dayNumber = Number(day);
        if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1 || dayNumber > 31) return match;
        return `${MONTHS[monthNumber - 1]} ${readEnglishOrdinal(day)}, ${readEnglishYear(Number(year))}`;
      },
    )
    .replace(
      new RegExp(String.raw`\b(${MONTHS.join('|')})\.? (\d{1,2})(?:st|nd|rd|th)?\b(?![\d:])`, 'g'),
      (match, month: string, day: string) =>
        Number(day) >= 1 && Number(day) <= 31 ? `${month} ${readEnglishOrdinal(day)}` : match,
    );
}

/** Codes read digit by digit: 555-123-4567, 010-6403, 127.0.0.1 (with "dot"); 24/7. */
function readDigitCodes(text: string): string {
  return text
    .replace(/\b24\/7\b/g, 'twenty-four seven')
    .replace(/(?<![\d.])(?:\d{3}-\d{3}-\d{4}|0\d*(?:-\d+)+)(?![\d.])/g, (code) =>
      code.split('-').map(readDigitsInEnglish).join(', '),
    )
    .replace(/(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])/g, (dotted) =>
      dotted.split('.').map(readEnglishInteger).join(' dot '),
    );
}

/** 10 - 5 = 5 → ten minus five = five; 3-4 → three to four. */
function readSubtractionsAndRanges(text: string): string {
  return text
    .replace(/(\d)\s*-\s*(\d+(?:\.\d+)?)(?=\s*=)/g, '$1 minus $2')
    .replace(
      new RegExp(String.raw`(?<![\d.])(${NUMBER})\s?[-–~]\s?(${NUMBER})(?![\d.])`, 'g'),
      (_match, from: string, to: string) =>
        `${readEnglishNumber(from)} to ${readEnglishNumber(to)}`,
    );
}

/** 21st → twenty-first, 1990s → nineteen nineties, 3/4 → three quarters. */
function readOrdinalsDecadesAndFractions(text: string): string {
  return text
    .replace(/(?<![\d.])(\d+)(?:st|nd|rd|th)\b/gi, (_match, digits: string) =>
      readEnglishOrdinal(digits),
    )
    .replace(/(?<![\d.])(\d{4})'?s\b/g, (match, decade: string) =>
      Number(decade) % 10 === 0 ? pluralizeLastWord(readEnglishYear(Number(decade))) : match,
    )
    .replace(
      /(?<![\d.])(\d{1,3})\/([1-9]\d{0,2})(?![\d.])/g,
      (_match, top: string, bottom: string) => readFraction(top, bottom),
    );
}

/**
 * Whatever numbers are left: 1,234 and 3.14 as numbers, -5 → minus five, 1100–1999 and
 * 2010–2099 as years (1999 → nineteen ninety-nine), the rest as cardinals (007 digit by digit).
 */
function readPlainNumbers(text: string): string {
  return text
    .replace(/(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)/g, readEnglishNumber)
    .replace(/(?<![\d.])(\d+)\.(\d+)(?!\d|\.\d)/g, (_match, integer: string, fraction: string) =>
      readEnglishDecimal(integer, fraction),
    )
    .replace(/(?<![\w-])-(?=\d)/g, 'minus ')
    .replace(/(?<![\d.,])(1[1-9]\d\d|20[1-9]\d)(?!\d|[.,]\d)/g, (year: string) =>
      readEnglishYear(Number(year)),
    )
    .replace(/\d+/g, (digits, offset: number, whole: string) => {
      const reading =
        digits.length > 1 && digits.startsWith('0')
          ? readDigitsInEnglish(digits)
          : readEnglishInteger(digits);
      const spaceBefore = /\p{L}/u.test(whole[offset - 1] ?? '') ? ' ' : '';
      const spaceAfter = /\p{L}/u.test(whole[offset + digits.length] ?? '') ? ' ' : '';
      return spaceBefore + reading + spaceAfter;
    });
}

/** The rules in the order they apply: each one reads what the later, more general ones would misread. */
const ENGLISH_NUMBER_RULES: readonly ((text: string) => string)[] = [
  readMoneyAmounts,
  readPercentages,
  readMeasures,
  readClockTimes,
  readDates,
  readDigitCodes,
  readSubtractionsAndRanges,
  readOrdinalsDecadesAndFractions,
  readPlainNumbers,
];

/** Replaces Arabic numerals (with their context) by English words. */
export function readNumbersInEnglish(text: string): string {
  return ENGLISH_NUMBER_RULES.reduce((result, rule) => rule(result), text);
}

/** Symbols spoken as words. */
function readSymbolsInEnglish(text: string): string {
  return text
    .replace(/\s*&\s*/g, ' and ')
    .replace(/\s*@\s*/g, ' at ')
    .replace(/\s*\+\s*/g, ' plus ')
    .replace(/\s*=\s*/g, ' equals ')
    .replace(/\s*×\s*/g, ' times ')
    .replace(/\s*%/g, ' percent');
}

function readMoney(amount: string, currency: Currency, scale: string | undefined): string {
  if (scale !== undefined)
    return `${readEnglishNumber(amount)} ${SCALE_WORDS[scale]} ${currency.many}`;
  const [integerDigits, fractionDigits = ''] = amount.replace(/,/g, '').split('.');
  const units = Number(integerDigits);
  const hasSubunit =
    currency.subunitOne !== undefined && fractionDigits.length > 0 && fractionDigits.length <= 2;
  if (!hasSubunit) {
    const reading = readEnglishDecimal(integerDigits, fractionDigits.replace(/^0+$/, ''));
    return `${reading} ${units === 1 && fractionDigits.replace(/0/g, '') === '' ? currency.one : currency.many}`;
  }
  const subunits = Number(fractionDigits.padEnd(2, '0'));
  const parts: string[] = [];
  if (units > 0 || subunits === 0) {
    parts.push(
      `${readEnglishInteger(integerDigits)} ${units === 1 ? currency.one : currency.many}`,
    );
  }
  if (subunits > 0) {
    parts.push(
      `${readEnglishInteger(String(subunits))} ${subunits === 1 ? currency.subunitOne : currency.subunitMany}`,
    );
  }
  return parts.join(' and ');
}

/** 10:30 → "ten thirty", 10:05 → "ten oh five", 10:00 → "ten o'clock", 9:15 pm → "nine fifteen PM". */
function readClockTime(
  hour: number,
  minute: number,
  second: string | undefined,
  half: string | undefined,
  dot: string | undefined,
): string | undefined {
  if (hour > 24 || minute > 59 || (second !== undefined && Number(second) > 59)) return undefined;
  const words = [readEnglishInteger(String(hour))];
  if (minute === 0 && half === undefined && second === undefined) words.push("o'clock");
  else if (minute > 0 && minute < 10) words.push(`oh ${readEnglishInteger(String(minute))}`);
  else if (minute >= 10) words.push(readEnglishInteger(String(minute)));
  if (second !== undefined && Number(second) > 0) {
    const seconds = Number(second);
    words.push(
      `and ${readEnglishInteger(String(seconds))} ${seconds === 1 ? 'second' : 'seconds'}`,
    );
  }
  if (half !== undefined) words.push(`${half.toUpperCase()}M${dot ?? ''}`);
  return words.join(' ');
}

/** 1/2 → "one half", 3/4 → "three quarters", 2/3 → "two thirds". */
function readFraction(top: string, bottom: string): string {
  const numerator = readEnglishInteger(top);
  const plural = Number(top) !== 1;
  if (bottom === '2') return `${numerator} ${plural ? 'halves' : 'half'}`;
  if (bottom === '4') return `${numerator} ${plural ? 'quarters' : 'quarter'}`;
  const denominator = readEnglishOrdinal(bottom);
  return `${numerator} ${plural ? `${denominator}s` : denominator}`;
}
