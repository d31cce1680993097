# The source document's SSE client (创建语音合成 · 流式调用 · Python), unchanged except that
# <EAS_SERVICE_URL>, <EAS_TOKEN> and <reference_audio_id> come from the environment
# (COSYVOICE_BASE_URL, COSYVOICE_TOKEN, COSYVOICE_REFERENCE_AUDIO_ID).
# pip install requests==2.32.3 packaging==24.2 sseclient-py==1.8.0
import os

EAS_SERVICE_URL = os.environ["COSYVOICE_BASE_URL"]
EAS_TOKEN = os.environ["COSYVOICE_TOKEN"]
REFERENCE_AUDIO_ID = os.environ["COSYVOICE_REFERENCE_AUDIO_ID"]

import io
import json
import base64
import wave
import requests
from sseclient import SSEClient  # pip install sseclient-py
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
            "output_format": "wav",
            "sample_rate": 24000,
            "speed": 1.0,
            "instruct": "用四川话说或者用广东话说"
        },
        "stream": True
    },
    timeout=10
) as response:
    if response.status_code != 200:
        print(response.text)
        exit()
    messages = SSEClient(response)
    with open('./http_stream.wav', 'wb') as f:
        for i, msg in enumerate(messages.events()):
            print(f"Event: {msg.event}, Data: {msg.data}")
            data = json.loads(msg.data)
            if data['error'] is not None:
                print(data['error'])
                break
            encode_buffer = data['output']['audio']['data']
            decode_buffer = base64.b64decode(encode_buffer)
            f.write(decode_buffer)
