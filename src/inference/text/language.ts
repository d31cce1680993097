const CJK_UNIFIED_IDEOGRAPH = /[\u4e00-\u9fff]/;

/** True when the text holds a CJK unified ideograph, the official `contains_chinese` test. */
export function containsChinese(text: string): boolean {
  return CJK_UNIFIED_IDEOGRAPH.test(text);
}
