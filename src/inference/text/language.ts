/** The two text front-end paths of CosyVoice2: Chinese rules or English (and others) rules. */
export type TextLanguage = 'zh' | 'en';

const CJK_UNIFIED_IDEOGRAPH = /[\u4e00-\u9fff]/;

/** True when the text holds a CJK unified ideograph, the official `contains_chinese` test. */
export function containsChinese(text: string): boolean {
  return CJK_UNIFIED_IDEOGRAPH.test(text);
}

export function detectLanguage(text: string): TextLanguage {
  return containsChinese(text) ? 'zh' : 'en';
}
