import { describe, expect, it } from 'vitest';
import {
  readChineseInteger,
  readChineseNumber,
  readDigitsInChinese,
} from '../../../src/inference/text/chinese-numbers.js';
import {
  readEnglishInteger,
  readEnglishOrdinal,
  readEnglishYear,
} from '../../../src/inference/text/english-numbers.js';
import { normalizeText } from '../../../src/inference/text/text-normalizer.js';

describe('normalizeText — Chinese', () => {
  it.each([
    // numbers
    ['共465篇，约315万字', '共四百六十五篇，约三百一十五万字'],
    ['共计6.42万人', '共计六点四二万人'],
    ['同比升高0.6个百分点', '同比升高零点六个百分点'],
    ['计算-2的绝对值是2', '计算负二的绝对值是二'],
    ['一共1,234,567人', '一共一百二十三万四千五百六十七人'],
    ['他有2个苹果和2000元', '他有两个苹果和两千元'],
    ['第2名', '第二名'],
    ['2年后和20年后', '两年后和二十年后'],
    ['总量的1/5以上', '总量的五分之一以上'],
    ['3-5天', '三到五天'],
    ['可以打我手机13501234567', '可以打我手机一三五零一二三四五六七'],
    ['电话010-64035547', '电话零一零六四零三五五四七'],
    ['地址127.0.0.1', '地址一二七点零点零点一'],
    // percentages
    ['同比增长6.3%', '同比增长百分之六点三'],
    ['打了50%的折扣', '打了百分之五十的折扣'],
    ['5%-10%的人', '百分之五到百分之十的人'],
    ['-5%的增长', '负百分之五的增长'],
    ['误差3‰', '误差千分之三'],
    // years and dates
    ['2024年', '二零二四年'],
    ['2024年5月1日', '二零二四年五月一日'],
    ['日期2024-05-01', '日期二零二四年五月一日'],
    ['生于2002/01/28', '生于二零零二年一月二十八日'],
    ['生于2002.01.28', '生于二零零二年一月二十八日'],
    ['始于2008/08', '始于二零零八年八月'],
    ['2020-2024年', '二零二零年到二零二四年'],
    ['5月1日', '五月一日'],
    // times
    ['10:30开会', '十点三十分开会'],
    ['我是5:02开始的', '我是五点零二分开始的'],
    ['于5:35:36发射', '于五点三十五分三十六秒发射'],
    ['8月16号12:00之前', '八月十六号十二点之前'],
    ['凌晨2:00', '凌晨两点'],
    ['比分定格在78:96', '比分定格在七十八比九十六'],
    // money
    ['价格是¥12.5', '价格是十二点五元'],
    ['价格是￥13.5', '价格是十三点五元'],
    ['价格是12.5元', '价格是十二点五元'],
    ['价格是$13.5', '价格是十三点五美元'],
    ['价格是HKD13.5', '价格是十三点五港元'],
    ['融资$1.2亿', '融资一点二亿美元'],
    // units, powers and math
    ['重达25kg', '重达二十五千克'],
    ['长2m', '长两米'],
    ['最高气温38°C', '最高气温三十八摄氏度'],
    ['气温-5℃到2℃', '气温负五摄氏度到二摄氏度'],
    ['实际面积120m²', '实际面积一百二十平方米'],
    ['x²的值', 'x平方的值'],
    ['时速10km/h', '时速每小时十公里'],
    ['1V1对战', '一V一对战'],
    ['算式1+2=3', '算式一加二等于三'],
    ['算式5-3=2', '算式五减三等于二'],
    ['±2的平方都是4', '正负二的平方都是四'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it.each([
    ['第一行\n第二行', '第一行第二行'],
    ['你好 世界', '你好世界'],
    ['Hello 世界 ok', 'Hello世界ok'],
    ['用 AI 和 GPU 做', '用AI和GPU做'],
    ['版本v1.0发布', '版本v一点零发布'],
    ['结束.', '结束。'],
    ['用A - B方案', '用A，B方案'],
    ['你好（世界）【测试】`代码`', '你好世界测试代码'],
    ['等一下——马上来', '等一下 马上来'],
    ['苹果、香蕉，', '苹果、香蕉。'],
    ['  前后空格  ', '前后空格'],
    ['全角数字１２３个', '全角数字一百二十三个'],
  ])('official clean-up: %j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('normalizeText — English', () => {
  it.each([
    // cardinals, decimals, negatives
    ['I have 3 cats', 'I have three cats'],
    ['It has 123 pages', 'It has one hundred and twenty-three pages'],
    [
      'I have 1,234,567 apples',
      'I have one million two hundred and thirty-four thousand five hundred and sixty-seven apples',
    ],
    ['Pi is 3.14', 'Pi is three point one four'],
    ['version 2.0 is out.', 'version two point zero is out.'],
    ['-5 degrees', 'minus five degrees'],
    [
      '2024-05-01 without any Chinese character uses the English rules',
      'May first, twenty twenty-four without any Chinese character uses the English rules',
    ],
    ['007 agent', 'zero zero seven agent'],
    ['3-4 years', 'three to four years'],
    ['1/2 of 3/4', 'one half of three quarters'],
    // ordinals
    ['the 1st, 2nd, 3rd and 4th', 'the first, second, third and fourth'],
    ['her 21st birthday', 'her twenty-first birthday'],
    ['the 12th and 100th', 'the twelfth and one hundredth'],
    // years and dates
    ['I was born in 1999.', 'I was born in nineteen ninety-nine.'],
    ['In 2024, we moved', 'In twenty twenty-four, we moved'],
    ['In 1905 and 1900', 'In nineteen oh five and nineteen hundred'],
    ['In 2005 we met', 'In two thousand and five we met'],
    ['the 1990s', 'the nineteen nineties'],
    ['on 2024-05-01', 'on May first, twenty twenty-four'],
    // times
    ['Meet at 10:30.', 'Meet at ten thirty.'],
    ['at 10:05 am tomorrow', 'at ten oh five AM tomorrow'],
    ['at 10:00', "at ten o'clock"],
    ['at 9 p.m. Then we left', 'at nine PM. Then we left'],
    // money
    ['It costs $12.50 today.', 'It costs twelve dollars and fifty cents today.'],
    ['only $1', 'only one dollar'],
    ['only $0.05', 'only five cents'],
    ['a $1.2 million deal', 'a one point two million dollars deal'],
    ['£2.50', 'two pounds and fifty pence'],
    ['€3.20', 'three euros and twenty cents'],
    ['$5k', 'five thousand dollars'],
    // percentages, units
    ['50% off', 'fifty percent off'],
    ['up 12.5%', 'up twelve point five percent'],
    ['a 10-15% rise', 'a ten to fifteen percent rise'],
    ['It is -5°C', 'It is minus five degrees Celsius'],
    ['5 km away at 60 mph', 'five kilometers away at sixty miles per hour'],
    // symbols
    ['Tom & Jerry', 'Tom and Jerry'],
    ['me@home', 'me at home'],
    ['1+1=2', 'one plus one equals two'],
    ['10 - 5 = 5', 'ten minus five equals five'],
    ['Call 555-123-4567 now', 'Call five five five, one two three, four five six seven now'],
    ['Open 24/7', 'Open twenty-four seven'],
    ['MP3 players in 3D', 'MP three players in three D'],
    ['on May 5, 2024', 'on May fifth, twenty twenty-four'],
    ['on March 3rd', 'on March third'],
    // abbreviations whose period is not a sentence end
    ['Mr. Smith met Dr. Jones', 'Mister Smith met Doctor Jones'],
    [
      'fruit, e.g. apples, pears etc. and more',
      'fruit, for example apples, pears et cetera and more',
    ],
    ['No. 5 and #1', 'number five and number one'],
    // whitespace
    ['   multiple    spaces   here  ', 'multiple spaces here'],
    ['line one\nline two', 'line one line two'],
    ['full-width １２ digits', 'full-width twelve digits'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('normalizeText — skipped', () => {
  it('leaves text with inline <|…|> tokens untouched, as the official frontend', () => {
    const text = ' 用四川话说这句话<|endofprompt|>123 ';
    expect(normalizeText(text)).toBe(text);
  });

  it('returns an empty string for blank text', () => {
    expect(normalizeText(' \n ')).toBe('');
  });
});

describe('number readings', () => {
  it.each([
    ['0', '零'],
    ['10', '十'],
    ['15', '十五'],
    ['110', '一百一十'],
    ['1001', '一千零一'],
    ['10010', '一万零一十'],
    ['100000', '十万'],
    ['1000000', '一百万'],
    ['20000001', '两千万零一'],
    ['100010000', '一亿零一万'],
    ['12345', '一万二千三百四十五'],
  ])('Chinese cardinal %s → %s', (digits, expected) => {
    expect(readChineseInteger(digits)).toBe(expected);
  });

  it('reads Chinese digit strings, signs and decimals', () => {
    expect(readDigitsInChinese('2008')).toBe('二零零八');
    expect(readChineseNumber('-1,234.05')).toBe('负一千二百三十四点零五');
  });

  it.each([
    ['0', 'zero'],
    ['13', 'thirteen'],
    ['40', 'forty'],
    ['99', 'ninety-nine'],
    ['100', 'one hundred'],
    ['1005', 'one thousand and five'],
    ['1000000', 'one million'],
    ['2000021', 'two million and twenty-one'],
  ])('English cardinal %s → %s', (digits, expected) => {
    expect(readEnglishInteger(digits)).toBe(expected);
  });

  it('reads English ordinals and years', () => {
    expect(readEnglishOrdinal('22')).toBe('twenty-second');
    expect(readEnglishOrdinal('90')).toBe('ninetieth');
    expect(readEnglishYear(2010)).toBe('twenty ten');
    expect(readEnglishYear(1100)).toBe('eleven hundred');
  });
});

describe('normalizeText — robustness', () => {
  const atoms = [
    '1',
    '23',
    '0',
    '007',
    '2024',
    '3.14',
    '-',
    '.',
    ',',
    ':',
    '/',
    '%',
    '$',
    '¥',
    '€',
    '£',
    '+',
    '=',
    '年',
    '月',
    '日',
    '点',
    ' ',
    'km',
    'kg',
    '°C',
    '²',
    'am',
    'st',
    'th',
    'a',
    '你好',
    'Hello',
    '12:30',
    '2024-05-01',
    '1,234',
    '~',
    'x',
    '#',
    'No.',
    '（',
    '）',
    '\n',
    '，',
    '。',
    '?',
    '…',
  ];

  it('leaves no Arabic digit and never throws on 3000 random mixes of numbers and symbols', () => {
    let seed = 12_345;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let index = 0; index < 3000; index += 1) {
      let text = '';
      const atomCount = 1 + Math.floor(random() * 10);
      for (let atom = 0; atom < atomCount; atom += 1) {
        text += atoms[Math.floor(random() * atoms.length)];
      }
      expect(normalizeText(text), JSON.stringify(text)).not.toMatch(/\d/);
    }
  });
});
