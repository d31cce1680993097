# The source document's non-streaming client (创建语音合成 · 非流式调用 · Python), unchanged
# except that <EAS_SERVICE_URL>, <EAS_TOKEN> and <reference_audio_id> come from the environment
# (COSYVOICE_BASE_URL, COSYVOICE_TOKEN, COSYVOICE_REFERENCE_AUDIO_ID).
import os

EAS_SERVICE_URL = os.environ["COSYVOICE_BASE_URL"]
EAS_TOKEN = os.environ["COSYVOICE_TOKEN"]
REFERENCE_AUDIO_ID = os.environ["COSYVOICE_REFERENCE_AUDIO_ID"]

import json
import base64
import requests
from packaging import version

required_version = "2.32.3"
if version.parse(requests.__version__) < version.parse(required_version):
    raise RuntimeError(f"requests version must >= {required_version}")

with requests.post(
    f"{EAS_SERVICE_URL}/api/v1/audio/speech",  # <EAS_SERVICE_URL>需替换为服务访问地址。
    headers={
        "Authorization": f"Bearer {EAS_TOKEN}",  # <EAS_TOKEN>需替换为服务Token。
        "Content-Type": "application/json",
    },
    json={
        "model": "CosyVoice2-0.5B",
        "input": {
            "mode": "natural_language_replication",
            "reference_audio_id": REFERENCE_AUDIO_ID,  # <reference_audio_id>需替换为参考音频ID。
            "text": "北京, 你好, 收到好友从远方寄来的生日礼物,那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐,笑容如花儿般绽放。",
            "speed": 1.0,
            "instruct": "用四川话说或者用广东话说"
        },
        "stream": False
    },
    timeout=10
) as response:
    if response.status_code != 200:
        print(response.text)
        exit()
    data = json.loads(response.content)
    encode_buffer = data['output']['audio']['data']
    decode_buffer = base64.b64decode(encode_buffer)
    with open('./http_non_stream.wav', 'wb') as wfile:
        wfile.write(decode_buffer)
