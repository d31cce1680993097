#!/usr/bin/python
# -*- coding: utf-8 -*-
# The source document's WebSocket client (Websocket API · TTSClient), unchanged except that the
# API key, the server URI and <reference_audio_id> come from the environment
# (COSYVOICE_TOKEN, COSYVOICE_WS_URL, COSYVOICE_REFERENCE_AUDIO_ID).
# pip install websocket-client==1.8.0
import base64
import json
import logging
import sys
import time
import uuid
import os

import websocket


class TTSClient:
    def __init__(self, api_key, uri, params, log_level='INFO'):
        """
    初始化 TTSClient 实例

    参数:
        api_key (str): 鉴权用的 API Key
        uri (str): WebSocket 服务地址
    """
        self._api_key = api_key  # 替换为你的 API Key
        self._uri = uri  # 替换为你的 WebSocket 地址
        self._task_id = str(uuid.uuid4())  # 生成唯一任务 ID
        self._ws = None  # WebSocketApp 实例
        self._task_started = False  # 是否收到 task-started
        self._task_finished = False  # 是否收到 task-finished / task-failed
        self._check_params(params)
        self._params = params
        self._chunk_metrics = []
        self._metrics = {}
        self._first_package_time = None
        self._last_time = None
        self._init_log(log_level)
        self.audio_data = b''

    def _init_log(self, log_level):
        self._log = logging.getLogger("ws_client")
        log_formatter = logging.Formatter('%(asctime)s - Process(%(process)s) - %(levelname)s - %(message)s')
        stream_handler = logging.StreamHandler(stream=sys.stdout)
        stream_handler.setFormatter(log_formatter)
        self._log.addHandler(stream_handler)
        self._log.setLevel(log_level)

    def get_metrics(self):
        """获取合成结果性能指标"""
        return self._metrics

    def _check_params(self, params):
        assert 'mode' in params and params['mode'] in ['fast_replication', 'cross_lingual_replication', 'natural_language_replication']
        assert 'reference_audio_id' in params
        assert 'output_format' in params and params['output_format'] in ['wav', 'mp3', 'pcm']
        if params['mode'] == 'natural_language_replication':
            assert 'instruct' in params and params['instruct']
        else:
            if 'instruct' in params:
                del params['instruct']

    def on_open(self, ws):
        """
    WebSocket 连接建立时回调函数
    发送 run-task 指令开启语音合成任务
    """
        self._log.debug("WebSocket 已连接")

        # 构造 run-task 指令
        run_task_cmd = {
            "header": {
                "action": "run-task",
                "task_id": self._task_id,
                "streaming": "duplex"
            },
            "payload": {
                "task_group": "audio",
                "task": "tts",
                "function": "SpeechSynthesizer",
                "model": "cosyvoice-v2",
                "parameters": {
                    "mode": self._params['mode'],
                    "reference_audio_id": self._params['reference_audio_id'],
                    "output_format": self._params.get('output_format', 'wav'),
                    "sample_rate": self._params.get('sample_rate', 24000),
                    "instruct": self._params.get('instruct', ''),
                    "speed": self._params.get('speed', 1.0),
                    "debug": True,
                },
                "input": {}
            }
        }

        # 发送 run-task 指令
        ws.send(json.dumps(run_task_cmd))
        self._log.debug("已发送 run-task 指令")

    def on_message(self, ws, message):
        """
    接收到消息时的回调函数
    区分文本和二进制消息处理
    """
        try:
            msg_json = json.loads(message)
            # self._log.debug(f"收到 JSON 消息: {msg_json}")
            self._log.debug(f"收到 JSON 消息: {msg_json['header']['event']}")

            if "header" in msg_json:
                header = msg_json["header"]

                if "event" in header:
                    event = header["event"]

                    if event == "task-started":
                        self._log.debug("任务已启动")
                        self._task_started = True

                        # 发送 continue-task 指令
                        for text in self._params['texts']:
                            self.send_continue_task(text)

                        # 所有 continue-task 发送完成后发送 finish-task
                        self.send_finish_task()
                        self._last_time = time.time()

                    elif event == "result-generated":
                        metrics = msg_json['payload']['metrics']
                        cur_time = time.time()
                        metrics['client_cost_time'] = cur_time - self._last_time
                        self._last_time = cur_time
                        encode_data = msg_json["payload"]["output"]["audio"]["data"]
                        decode_data = base64.b64decode(encode_data)
                        self._log.debug(f"收到音频数据,大小: {len(decode_data)} 字节")
                        self.audio_data += decode_data
                        metrics['client_rtf'] = metrics['client_cost_time'] / metrics['speech_len']
                        self._chunk_metrics.append(metrics)

                    elif event == "task-finished":
                        self._metrics = {
                            'client_first_package_time': self._chunk_metrics[0]['client_cost_time'],
                            "client_rtf": sum([m["client_cost_time"] for m in self._chunk_metrics]) / sum([m["speech_len"] for m in self._chunk_metrics]),
                            'client_cost_time': sum([m["client_cost_time"] for m in self._chunk_metrics]),
                            'speech_len': sum([m["speech_len"] for m in self._chunk_metrics]),
                            'server_first_package_time': self._chunk_metrics[0]['server_cost_time'],
                            'server_rtf': sum([m["server_cost_time"] for m in self._chunk_metrics]) / sum([m["speech_len"] for m in self._chunk_metrics]),
                            'server_cost_time': sum([m["server_cost_time"] for m in self._chunk_metrics]),
                            "generate_time": sum([m["generate_time"] for m in self._chunk_metrics])
                        }
                        self._log.debug(f"任务已完成, 请求性能指标: client_first_package_time: {self._metrics['client_first_package_time']:.3f}, client_rtf: {self._metrics['client_rtf']:.3f}, client_cost_time: {self._metrics['client_cost_time']:.3f}, speech_len: {self._metrics['speech_len']:.3f}, server_cost_time: {self._metrics['server_cost_time']:.3f}, generate_time: {self._metrics['generate_time']:.3f}")
                        self._task_finished = True
                        self.close(ws)

                    elif event == "task-failed":
                        self._log.debug(f"任务失败: {msg_json}")
                        self._task_finished = True
                        self.close(ws)

        except json.JSONDecodeError as e:
            self._log.debug(f"JSON 解析失败: {str(e)}")

    def on_error(self, ws, error):
        """发生错误时的回调"""
        self._log.debug(f"WebSocket 出错: {error}")
        self._metrics = {'error': error}

    def on_close(self, ws, close_status_code, close_msg):
        """连接关闭时的回调"""
        self._log.debug(f"WebSocket 已关闭: {close_msg} ({close_status_code})")

    def send_continue_task(self, text):
        """发送 continue-task 指令,附带要合成的文本内容"""
        cmd = {
            "header": {
                "action": "continue-task",
                "task_id": self._task_id,
                "streaming": "duplex"
            },
            "payload": {
                "input": {
                    "text": text
                }
            }
        }

        self._ws.send(json.dumps(cmd))
        self._log.debug(f"已发送 continue-task 指令,文本内容: {text}")

    def send_finish_task(self):
        """发送 finish-task 指令,结束语音合成任务"""
        cmd = {
            "header": {
                "action": "finish-task",
                "task_id": self._task_id,
                "streaming": "duplex"
            },
            "payload": {
                "input": {}
            }
        }

        self._ws.send(json.dumps(cmd))
        self._log.debug("已发送 finish-task 指令")

    def close(self, ws):
        """主动关闭连接"""
        if ws and ws.sock and ws.sock.connected:
            ws.close()
            self._log.debug("已主动关闭连接")

    def run(self):
        """启动 WebSocket 客户端"""
        # 设置请求头部(鉴权)
        header = {
            "Authorization": f"Bearer {self._api_key}",
        }

        # 创建 WebSocketApp 实例
        self._ws = websocket.WebSocketApp(
            self._uri,
            header=header,
            on_open=self.on_open,
            on_message=self.on_message,
            on_error=self.on_error,
            on_close=self.on_close
        )

        self._log.debug("正在监听 WebSocket 消息...")
        self._ws.run_forever()  # 启动长连接监听


# 示例使用方式
if __name__ == "__main__":
    # your-api-key需替换为服务Token。
    API_KEY = os.environ["COSYVOICE_TOKEN"]

    # localhost:50000 需替换为服务访问地址。
    SERVER_URI = os.environ["COSYVOICE_WS_URL"]

    texts = [
        # "床前明月光,疑是地上霜。",
        # "举头望明月,低头思故乡。"
        "北京, 你好, 收到好友从远方寄来的生日礼物,那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐,笑容如花儿般绽放。"
    ]

    params = {
        'mode': 'natural_language_replication',
        'texts': texts,
        'reference_audio_id': os.environ["COSYVOICE_REFERENCE_AUDIO_ID"],
        'speed': 1.0,
        'output_format': 'wav',
        'sample_rate': 24000,
        "instruct": "用冷静的语气说",
    }

    client = TTSClient(API_KEY, SERVER_URI, params, log_level='DEBUG')
    client.run()

    with open('./websocket_stream.wav', 'wb') as wfile:
        wfile.write(client.audio_data)
