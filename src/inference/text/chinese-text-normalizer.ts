import {
  readChineseDecimal,
  readChineseInteger,
  readChineseNumber,
  readDigitsInChinese,
} from './chinese-numbers.js';
import { escapeForRegex } from './regex-escape.js';

/**
 * Chinese text normalisation: the numbers, dates, times, money, percentages, units and math
 * signs that the official pipeline reads out with wetext (our own rules, not wetext's grammar),
 * followed by the official clean-up steps of `CosyVoiceFrontEnd.text_normalize`.
 */
export function normalizeChineseText(text: string): string {
  return applyOfficialCleanUp(readNumbersInChinese(text));
}

/** The steps that follow wetext in the official frontend, in their order. */
function applyOfficialCleanUp(text: string): string {
  let result = text.replace(/\n/g, '');
  result = replaceBlank(result);
  result = result.replace(/²/g, '平方').replace(/³/g, '立方');
  result = result.replace(/\./g, '。');
  result = result.replace(/ - /g, '，');
  result = removeBracket(result);
  return result.replace(/[，,、]+$/, '。');
}

/** Keeps a space only between two ASCII characters that are not spaces (official `replace_blank`). */
function replaceBlank(text: string): string {
  const isAsciiNonSpace = (char: string | undefined): boolean =>
    char !== undefined && char !== ' ' && char.charCodeAt(0) < 128;
  let result = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char !== ' ' || (isAsciiNonSpace(text[index - 1]) && isAsciiNonSpace(text[index + 1]))) {
      result += char;
    }
  }
  return result;
}

/** Official `remove_bracket`: drops （）【】 and backticks, turns —— into a space. */
function removeBracket(text: string): string {
  return text.replace(/[（）【】`]/g, '').replace(/——/g, ' ');
}

const NUMBER = String.raw`\d+(?:,\d{3})*(?:\.\d+)?`;

const CURRENCY_PREFIXES: Record<string, string> = {
  '¥': '元',
  '￥': '元',
  RMB: '元',
  CNY: '元',
  $: '美元',
  US$: '美元',
  USD: '美元',
  HK$: '港元',
  HKD: '港元',
  A$: '澳元',
  AUD: '澳元',
  '€': '欧元',
  EUR: '欧元',
  '£': '英镑',
  GBP: '英镑',
  JPY: '日元',
};

/** Units read after a number; the longest spelling is tried first. */
const UNITS: Record<string, string> = {
  'km²': '平方公里',
  'm²': '平方米',
  'cm²': '平方厘米',
  'm³': '立方米',
  km: '公里',
  m: '米',
  cm: '厘米',
  mm: '毫米',
  kg: '千克',
  g: '克',
  mg: '毫克',
  t: '吨',
  L: '升',
  ml: '毫升',
  mL: '毫升',
  '°C': '摄氏度',
  '℃': '摄氏度',
  '°F': '华氏度',
  '℉': '华氏度',
  '°': '度',
  h: '小时',
  min: '分钟',
  s: '秒',
  ms: '毫秒',
  Hz: '赫兹',
  kHz: '千赫兹',
  MHz: '兆赫兹',
  GHz: '吉赫兹',
  KB: 'KB',
  MB: 'MB',
  GB: 'GB',
  TB: 'TB',
  W: '瓦',
  kW: '千瓦',
  V: '伏',
};

/** Measure words after which a bare 2 is read 两 (2个 → 两个), as speakers do. */
const LIANG_MEASURE_WORDS =
  '个位只条本张台辆种名次年天周岁倍层家份双对杯碗瓶块片句首篇部件项门盒支根把枚座栋间架艘匹头场届期轮分秒千万亿';

function isValidMonthDay(month: number, day?: number): boolean {
  return month >= 1 && month <= 12 && (day === undefined || (day >= 1 && day <= 31));
}

const CURRENCY_PATTERN = new RegExp(
  String.raw`(${Object.keys(CURRENCY_PREFIXES)
    .sort((a, b) => b.length - a.length)
    .map(escapeForRegex)
    .join('|')})\s?(-?${NUMBER})(万亿|亿|万|千|百)?`,
  'g',
);

const UNIT_PATTERN = new RegExp(
  String.raw`(?<![\w.])(-?)(${NUMBER})(?:\s?[-~～–]\s?(${NUMBER}))?\s?(${Object.keys(UNITS)
    .sort((a, b) => b.length - a.length)
    .map(escapeForRegex)
    .join('|')})(?![A-Za-z\d])`,
  'g',
);

/** Dates: 2024-05-01, 2024/5/1, 2024.05.01 → 二零二四年五月一日; 2008/08 → 二零零八年八月; 2024年 → 二零二四年. */
function readDates(text: string): string {
  return text
    .replace(
      /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])/g,
      (match, year: string, month: string, day: string) =>
        isValidMonthDay(Number(month), Number(day))
          ? `${readDigitsInChinese(year)}年${readChineseInteger(month)}月${readChineseInteger(day)}日`
          : match,
    )
    .replace(
      /(?<!\d)(19\d\d|20\d\d)[-/](\d{1,2})(?![\d/.-])/g,
      (match, year: string, month: string) =>
        isValidMonthDay(Number(month))
          ? `${readDigitsInChinese(year)}年${readChineseInteger(month)}月`
          : match,
    )
    .replace(
      /(?<!\d)(\d{4})\s?[-~～到至]\s?(\d{4})(?=年)/g,
      (_match, from: string, to: string) =>
        `${readDigitsInChinese(from)}年到${readDigitsInChinese(to)}`,
    )
    .replace(/(?<!\d)\d{4}(?=年)/g, readDigitsInChinese);
}

/** Clock times: 10:30 → 十点三十分, 2:00 → 两点; an impossible time is a score: 78:96 → 七十八比九十六. */
function readClockTimes(text: string): string {
  return text.replace(
    /(?<![\d.])(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?!\d)/g,
    (match, hour: string, minute: string, second: string | undefined) =>
      readClockTime(
        Number(hour),
        Number(minute),
        second === undefined ? undefined : Number(second),
      ) ??
      (second === undefined ? `${readChineseInteger(hour)}比${readChineseInteger(minute)}` : match),
  );
}

/** Currency before the amount: ¥12.5 → 十二点五元, $1.2亿 → 一点二亿美元. */
function readMoney(text: string): string {
  return text.replace(
    CURRENCY_PATTERN,
    (_match, symbol: string, amount: string, scale: string | undefined) =>
      `${readChineseNumber(amount)}${scale ?? ''}${CURRENCY_PREFIXES[symbol]}`,
  );
}

/** Percentages and per-mille: 50% → 百分之五十, 5%-10% → 百分之五到百分之十, 3‰ → 千分之三. */
function readPercentages(text: string): string {
  return text
    .replace(
      new RegExp(String.raw`(${NUMBER})[%％]\s?[-~～]\s?(${NUMBER})[%％]`, 'g'),
      (_match, from: string, to: string) =>
        `百分之${readChineseNumber(from)}到百分之${readChineseNumber(to)}`,
    )
    .replace(
      new RegExp(String.raw`(?<![\d.])(-?)(${NUMBER})([%％‰])`, 'g'),
      (_match, sign: string, amount: string, mark: string) =>
        `${sign === '-' ? '负' : ''}${mark === '‰' ? '千分之' : '百分之'}${readChineseNumber(amount)}`,
    );
}

/** Numbers with a unit: 25kg → 二十五千克, 3-5km → 三到五公里, 10km/h → 每小时十公里. */
function readMeasures(text: string): string {
  return text
    .replace(
      /(?<![\d.])(\d+(?:\.\d+)?)km\/h(?![A-Za-z])/g,
      (_match, speed: string) => `每小时${readChineseNumber(speed)}公里`,
    )
    .replace(
      UNIT_PATTERN,
      (_match, sign: string, amount: string, rangeEnd: string | undefined, unit: string) => {
        const reading =
          sign === '' && amount === '2' && rangeEnd === undefined && !UNITS[unit].endsWith('度')
            ? '两'
            : readChineseNumber(sign + amount);
        const range = rangeEnd === undefined ? '' : `到${readChineseNumber(rangeEnd)}`;
        return `${reading}${range}${UNITS[unit]}`;
      },
    );
}

/** Codes read digit by digit: 010-64035547, 400-123-4567, 127.0.0.1 → 一二七点零点零点一. */
function readDigitCodes(text: string): string {
  return text
    .replace(/(?<![\d.])(?:\d+(?:-\d+){2,}|0\d+-\d+)(?![\d.])/g, (digits) =>
      readDigitsInChinese(digits.replace(/-/g, '')),
    )
    .replace(/(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])/g, (dotted) =>
      dotted.split('.').map(readDigitsInChinese).join('点'),
    );
}

/** Math signs between numbers: 1+2=3 → 1加2等于3, 5-3=2 → 5减3等于2, ±2 → 正负2. */
function readMathSigns(text: string): string {
  return text
    .replace(/(\d)\s*[+＋]\s*(?=-?\d)/g, '$1加')
    .replace(/(\d)\s*-\s*(\d+(?:\.\d+)?)(?=\s*[=＝])/g, '$1减$2')
    .replace(/(\d)\s*[×xX*]\s*(?=\d)/g, '$1乘')
    .replace(/(\d)\s*÷\s*(?=\d)/g, '$1除以')
    .replace(/(\d)\s*[=＝]\s*(?=-?\d)/g, '$1等于')
    .replace(/±\s*(?=\d)/g, '正负');
}

/** Ranges, fractions and signs: 3-5 → 三到五, 1/5 → 五分之一, -2 → 负2. */
function readRangesFractionsAndSigns(text: string): string {
  return text
    .replace(
      new RegExp(String.raw`(?<![\d.])(${NUMBER})\s?[~～-]\s?(${NUMBER})(?![\d.])`, 'g'),
      (_match, from: string, to: string) => `${readChineseNumber(from)}到${readChineseNumber(to)}`,
    )
    .replace(
      /(?<![\d.])(\d+)\/(\d+)(?![\d.])/g,
      (_match, top: string, bottom: string) =>
        `${readChineseInteger(bottom)}分之${readChineseInteger(top)}`,
    )
    .replace(/(?<![\dA-Za-z])-(?=\d)/g, '负');
}

/** Whatever numbers are left: 1,234 → 一千二百三十四, 6.42 → 六点四二, 2个 → 两个, 13501234567 digit by digit. */
function readPlainNumbers(text: string): string {
  return text
    .replace(/\d{1,3}(?:,\d{3})+(?:\.\d+)?/g, readChineseNumber)
    .replace(/(\d+)\.(\d+)/g, (_match, integer: string, fraction: string) =>
      readChineseDecimal(integer, fraction),
    )
    .replace(/\d+/g, (digits, offset: number, whole: string) =>
      readChineseIntegerInContext(
        digits,
        whole.slice(0, offset),
        whole.slice(offset + digits.length),
      ),
    );
}

/** The rules in the order they apply: each one reads what the later, more general ones would misread. */
const CHINESE_NUMBER_RULES: readonly ((text: string) => string)[] = [
  readDates,
  readClockTimes,
  readMoney,
  readPercentages,
  readMeasures,
  readDigitCodes,
  readMathSigns,
  readRangesFractionsAndSigns,
  readPlainNumbers,
];

/** Replaces Arabic numerals (with their context) by their Mandarin reading. */
export function readNumbersInChinese(text: string): string {
  return CHINESE_NUMBER_RULES.reduce((result, rule) => rule(result), text);
}

function readChineseIntegerInContext(digits: string, before: string, after: string): string {
  if ((digits.length > 1 && digits.startsWith('0')) || digits.length >= 11) {
    return readDigitsInChinese(digits);
  }
  if (digits === '2' && !before.endsWith('第') && after.length > 0) {
    if (LIANG_MEASURE_WORDS.includes(after[0]) || after.startsWith('小时')) return '两';
  }
  return readChineseInteger(digits);
}

/** Reads a clock time: 2:05 → 两点零五分, 11:00 → 十一点. Undefined when it is not a valid time. */
function readClockTime(hour: number, minute: number, second?: number): string | undefined {
  if (hour > 24 || minute > 59 || (second !== undefined && second > 59)) return undefined;
  let reading = `${hour === 2 ? '两' : readChineseInteger(String(hour))}点`;
  if (minute > 0) {
    reading += `${minute < 10 ? '零' : ''}${readChineseInteger(String(minute))}分`;
  } else if (second !== undefined && second > 0) {
    reading += '零分';
  }
  if (second !== undefined && second > 0) reading += `${readChineseInteger(String(second))}秒`;
  return reading;
}
