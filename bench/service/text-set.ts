/** One text of the fixed benchmark set, with the pieces a WebSocket client sends one by one. */
export interface BenchText {
  id: string;
  /** The whole text, as the SSE request sends it. */
  text: string;
  /** The same text in sentence pieces, one `continue-task` each (they join to `text`). */
  pieces: string[];
}

function benchText(id: string, pieces: string[]): BenchText {
  return { id, text: pieces.join(''), pieces };
}

/**
 * Short, medium and long texts in Chinese and English. Requests take them round-robin in this
 * order, so every block of six requests speaks each text once.
 */
export const BENCH_TEXTS: readonly BenchText[] = [
  benchText('zh-short', ['今天的天气真不错。']),
  benchText('en-short', ['The weather is lovely today.']),
  benchText('zh-medium', [
    '收到好友从远方寄来的生日礼物，',
    '那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐。',
  ]),
  benchText('en-medium', [
    'The train left the station a few minutes late this morning. ',
    'Most passengers did not seem to mind, and the conductor apologised twice.',
  ]),
  benchText('zh-long', [
    '清晨的小镇还笼罩在薄雾之中，渔船一艘接一艘地驶回港口。',
    '街角的面包店最先亮起了灯，新鲜出炉的香味飘满了整条街道。',
    '孩子们背着书包跑过石板路，老人们在河边慢慢地打着太极。',
    '到了中午，阳光终于穿透云层，整个小镇都变得热闹起来。',
  ]),
  benchText('en-long', [
    'The quiet harbour town woke slowly that morning, as fishing boats drifted back through the grey mist. ',
    'The bakery on the corner was the first to switch on its lights, and the smell of fresh bread filled the street. ',
    'Children ran along the stone path with their school bags, while a few old men walked their dogs by the river. ',
    'By noon the sun had finally broken through the clouds, and the whole town seemed to come alive.',
  ]),
];
