#!/usr/bin/env python3
"""Runs the source document's three Python clients, unchanged, against a running service.

Uploads a reference voice (as the source's upload example does), runs http_non_stream.py,
http_stream.py and websocket_stream.py with it, checks that each wrote a WAV file at 24 kHz with
audio in it, and deletes the voice again. A client whose Python packages are missing is reported
as SKIPPED (requests + packaging for all, sseclient-py for the SSE client, websocket-client for
the WebSocket client); a skipped client fails the run unless COSYVOICE_ALLOW_SKIPS=1.

Environment:
  COSYVOICE_BASE_URL        service URL, default http://127.0.0.1:8080
  COSYVOICE_TOKEN           bearer token (any value when the service runs without API_TOKENS)
  COSYVOICE_REFERENCE_WAV   reference voice file; default: made with espeak-ng, else a tone
  COSYVOICE_REFERENCE_TEXT  its transcript, default 希望你以后能够做得比我还好哟
  COSYVOICE_OUTPUT_DIR      where the clients write their WAV files, default a temporary dir
  COSYVOICE_CLIENT_TIMEOUT  seconds per client, default 600
  COSYVOICE_ALLOW_SKIPS     1: a client skipped for missing packages does not fail the run

Exit status: 0 every client passed (or was skipped with COSYVOICE_ALLOW_SKIPS=1), 1 a client
failed or was skipped, 2 cannot run at all.
"""
import importlib.util
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = [
    ("http_non_stream.py", "http_non_stream.wav", ["requests", "packaging"]),
    ("http_stream.py", "http_stream.wav", ["requests", "packaging", "sseclient"]),
    ("websocket_stream.py", "websocket_stream.wav", ["websocket"]),
]


def missing_modules(names):
    return [name for name in names if importlib.util.find_spec(name) is None]


def make_reference_wav(path, text):
    """Spoken Chinese from espeak-ng when installed, else three seconds of a gliding tone."""
    espeak = shutil.which("espeak-ng")
    if espeak:
        result = subprocess.run([espeak, "-v", "cmn", "-w", path, text], capture_output=True)
        if result.returncode == 0 and os.path.getsize(path) > 16000:
            return
    rate = 16000
    frames = bytearray()
    for n in range(3 * rate):
        t = n / rate
        value = 0.3 * math.sin(2 * math.pi * (150 + 50 * math.sin(2 * math.pi * 0.5 * t)) * t)
        frames += struct.pack("<h", int(value * 32767))
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def check_wav(path):
    """Returns None when `path` is a 24 kHz 16-bit mono WAV with at least 0.1 s of audio."""
    if not os.path.exists(path):
        return "no output file"
    size = os.path.getsize(path)
    try:
        with wave.open(path, "rb") as audio:
            rate, width, channels = audio.getframerate(), audio.getsampwidth(), audio.getnchannels()
    except (wave.Error, EOFError) as error:
        return f"not a WAV file ({error}), {size} bytes"
    if (rate, width, channels) != (24000, 2, 1):
        return f"unexpected format: {rate} Hz, {8 * width} bit, {channels} channel(s)"
    seconds = (size - 44) / (2 * rate)
    if seconds < 0.1:
        return f"only {seconds:.3f} s of audio"
    return None


def exit_status(passed, failed, skipped, allow_skips):
    """0 when every client passed (skips allowed only when asked for), else 1; prints why."""
    if failed:
        return 1
    if skipped and not allow_skips:
        print(
            f"FAIL: {skipped} client(s) skipped for missing Python packages; install them "
            "(see the header of this script) or set COSYVOICE_ALLOW_SKIPS=1"
        )
        return 1
    if passed == 0:
        print("FAIL: no client ran")
        return 1
    return 0


def main():
    base_url = os.environ.get("COSYVOICE_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
    token = os.environ.get("COSYVOICE_TOKEN", "no-token")
    text = os.environ.get("COSYVOICE_REFERENCE_TEXT", "希望你以后能够做得比我还好哟")
    timeout = float(os.environ.get("COSYVOICE_CLIENT_TIMEOUT", "600"))
    allow_skips = os.environ.get("COSYVOICE_ALLOW_SKIPS") == "1"
    if missing_modules(["requests"]):
        print("cannot run: the Python package 'requests' is not importable")
        return 2
    import requests

    output_dir = os.environ.get("COSYVOICE_OUTPUT_DIR") or tempfile.mkdtemp(prefix="seed-clients-")
    os.makedirs(output_dir, exist_ok=True)
    reference = os.environ.get("COSYVOICE_REFERENCE_WAV")
    if not reference:
        reference = os.path.join(output_dir, "zero_shot_prompt.wav")
        make_reference_wav(reference, text)

    headers = {"Authorization": f"Bearer {token}"}
    with open(reference, "rb") as file:
        upload = requests.post(
            f"{base_url}/api/v1/audio/reference_audio",
            headers=headers,
            files={"file": file},
            data={"text": text},
            timeout=120,
        )
    if upload.status_code != 200:
        print(f"cannot run: reference upload answered {upload.status_code}: {upload.text}")
        return 2
    reference_id = upload.json()["id"]
    print(f"uploaded reference audio {reference_id}; output in {output_dir}")

    env = dict(os.environ)
    env.update(
        COSYVOICE_BASE_URL=base_url,
        COSYVOICE_TOKEN=token,
        COSYVOICE_REFERENCE_AUDIO_ID=reference_id,
        COSYVOICE_WS_URL=base_url.replace("http", "ws", 1) + "/api-ws/v1/audio/speech",
    )
    failures = skipped = passed = 0
    try:
        for script, output, modules in CLIENTS:
            missing = missing_modules(modules)
            if missing:
                print(f"SKIPPED {script}: missing Python packages {', '.join(missing)}")
                skipped += 1
                continue
            log_path = os.path.join(output_dir, script.replace(".py", ".log"))
            with open(log_path, "wb") as log:
                try:
                    subprocess.run(
                        [sys.executable, os.path.join(HERE, script)],
                        cwd=output_dir,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        timeout=timeout,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    print(f"FAIL    {script}: no result after {timeout:.0f} s (log: {log_path})")
                    failures += 1
                    continue
            problem = check_wav(os.path.join(output_dir, output))
            if problem:
                print(f"FAIL    {script}: {problem} (log: {log_path})")
                failures += 1
            else:
                print(f"PASS    {script}: {output}")
                passed += 1
    finally:
        requests.delete(f"{base_url}/api/v1/audio/reference_audio/{reference_id}", headers=headers, timeout=30)
    return exit_status(passed, failures, skipped, allow_skips)


if __name__ == "__main__":
    sys.exit(main())
