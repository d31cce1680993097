/** The page's messages in English and Chinese; the control labels carry both languages. */
export type Language = 'en' | 'zh';

type Params = Record<string, string | number>;
type Message = (params: Params) => string;

const MESSAGES = {
  modelChecking: { en: () => 'Model: checking…', zh: () => '模型：检查中…' },
  modelReady: {
    en: (p: Params) => `Model: loaded on ${p.device}`,
    zh: (p: Params) => `模型：已加载（${p.device}）`,
  },
  modelNotLoaded: {
    en: (p: Params) => `Model: not loaded — ${p.reason}`,
    zh: (p: Params) => `模型：未加载 — ${p.reason}`,
  },
  serviceUnreachable: {
    en: () => 'Service: not reachable',
    zh: () => '服务：无法连接',
  },
  testPack: {
    en: () =>
      'The loaded model pack is a test pack: its audio is quiet noise, not speech. ' +
      'Install the real CosyVoice2-0.5B pack to hear speech.',
    zh: () =>
      '当前加载的是测试模型包：生成的是轻微噪声，不是语音。请安装真实的 CosyVoice2-0.5B 模型包。',
  },
  noVoices: { en: () => 'No voices yet.', zh: () => '还没有音色。' },
  voicesNeedToken: {
    en: () => 'The voices cannot be listed: the token is missing or wrong (see Token above).',
    zh: () => '无法列出音色：令牌缺失或错误（见上方“令牌”）。',
  },
  voicesUnavailable: {
    en: (p: Params) => `The voices cannot be listed: ${p.reason}`,
    zh: (p: Params) => `无法列出音色：${p.reason}`,
  },
  voiceDetails: {
    en: (p: Params) => `${p.duration} s · added ${p.created}`,
    zh: (p: Params) => `${p.duration} 秒 · 添加于 ${p.created}`,
  },
  playVoice: { en: (p: Params) => `Play ${p.name}`, zh: (p: Params) => `播放 ${p.name}` },
  deleteVoice: { en: (p: Params) => `Delete ${p.name}`, zh: (p: Params) => `删除 ${p.name}` },
  deleteQuestion: {
    en: (p: Params) => `Delete the voice ${p.name}? This cannot be undone.`,
    zh: (p: Params) => `删除音色 ${p.name}？删除后无法恢复。`,
  },
  voiceDeleted: {
    en: (p: Params) => `Deleted ${p.name}.`,
    zh: (p: Params) => `已删除 ${p.name}。`,
  },
  fileChosen: {
    en: (p: Params) => `Will upload the file ${p.name}.`,
    zh: (p: Params) => `将上传文件 ${p.name}。`,
  },
  recording: { en: () => 'Recording… press again to finish.', zh: () => '录音中…再按一次结束。' },
  recordingReady: {
    en: (p: Params) => `Will upload the recording (${p.seconds} s, 16-bit WAV).`,
    zh: (p: Params) => `将上传录音（${p.seconds} 秒，16 位 WAV）。`,
  },
  recordingTooShort: {
    en: (p: Params) => `The recording is ${p.seconds} s; a voice needs 0.5–30 s.`,
    zh: (p: Params) => `录音只有 ${p.seconds} 秒；音色需要 0.5–30 秒。`,
  },
  recordingLimit: {
    en: () => 'Recording stopped at the 30 s limit.',
    zh: () => '已达到 30 秒上限，录音结束。',
  },
  microphoneUnavailable: {
    en: (p: Params) => `The microphone cannot be used: ${p.reason}`,
    zh: (p: Params) => `无法使用麦克风：${p.reason}`,
  },
  chooseSource: {
    en: () => 'Choose a voice file or record one first.',
    zh: () => '请先选择音频文件或录音。',
  },
  transcriptRequired: {
    en: () => 'The transcript is required: write what is said in the audio.',
    zh: () => '必须填写音频文本：音频里说了什么。',
  },
  uploading: { en: () => 'Uploading…', zh: () => '上传中…' },
  uploaded: {
    en: (p: Params) => `Uploaded ${p.name}.`,
    zh: (p: Params) => `已上传 ${p.name}。`,
  },
  noVoice: { en: () => 'Upload or choose a voice first.', zh: () => '请先上传或选择音色。' },
  textRequired: { en: () => 'Write the text to speak.', zh: () => '请填写合成文本。' },
  instructRequired: {
    en: () => 'The instruct mode needs an instruction.',
    zh: () => '自然语言控制模式需要填写控制指令。',
  },
  synthesizing: { en: () => 'Synthesizing…', zh: () => '合成中…' },
  streaming: { en: () => 'Playing while it streams…', zh: () => '边合成边播放…' },
  finished: {
    en: (p: Params) => `Done: ${p.seconds} s of audio.`,
    zh: (p: Params) => `完成：${p.seconds} 秒音频。`,
  },
  stopped: {
    en: () => 'Stopped; the task was cancelled on the server.',
    zh: () => '已停止，服务器上的任务已取消。',
  },
  socketRefused: {
    en: () =>
      'The WebSocket connection was refused or lost: check the token and that the service runs.',
    zh: () => 'WebSocket 连接被拒绝或中断：请检查令牌以及服务是否在运行。',
  },
  errorLine: {
    en: (p: Params) => `${p.words} (${p.code}): ${p.message}`,
    zh: (p: Params) => `${p.words}（${p.code}）：${p.message}`,
  },
} satisfies Record<string, Record<Language, Message>>;

export type MessageKey = keyof typeof MESSAGES;

/** What each error code of the API means, in words. */
const ERROR_WORDS: Record<string, Record<Language, string>> = {
  Unauthorized: { en: 'The token is missing or wrong', zh: '令牌缺失或错误' },
  ServerBusy: { en: 'The service is busy, try again shortly', zh: '服务繁忙，请稍后再试' },
  ModelNotLoaded: { en: 'The speech model is not loaded', zh: '语音模型未加载' },
  NotFound: { en: 'The voice does not exist (any more)', zh: '音色不存在（或已删除）' },
  InvalidParameter: { en: 'A value was refused', zh: '参数不被接受' },
  InvalidAudio: { en: 'The audio cannot be used as a voice', zh: '音频不能用作音色' },
  PayloadTooLarge: { en: 'The file or text is too large', zh: '文件或文本过大' },
  UnsupportedMediaType: { en: 'The request format is not accepted', zh: '请求格式不被接受' },
  TooManyRequests: { en: 'Rate limited: too many requests', zh: '请求过于频繁，已被限流' },
  ServiceUnavailable: { en: 'The service is shutting down', zh: '服务正在关闭' },
  SynthesisFailed: { en: 'The synthesis failed', zh: '合成失败' },
  ProtocolError: { en: 'The page broke the task protocol', zh: '任务协议错误' },
  InternalError: { en: 'The service failed', zh: '服务内部错误' },
  NetworkError: { en: 'The service cannot be reached', zh: '无法连接服务' },
};

const LANGUAGE_KEY = 'cosyvoice-playground-language';

let language: Language = initialLanguage();

function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  if (stored === 'en' || stored === 'zh') {
    return stored;
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function currentLanguage(): Language {
  return language;
}

export function setLanguage(next: Language): void {
  language = next;
  localStorage.setItem(LANGUAGE_KEY, next);
}

export function t(key: MessageKey, params: Params = {}): string {
  const message: Message = MESSAGES[key][language];
  return message(params);
}

/** One error of the API in words, with its code and the service's own message. */
export function describeError(code: string, message: string): string {
  const words =
    ERROR_WORDS[code]?.[language] ?? (language === 'zh' ? '请求失败' : 'Request failed');
  return t('errorLine', { words, code, message });
}
