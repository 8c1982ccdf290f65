import { describe, expect, it } from "vitest";
import { keyTarget, unwrapKey } from "./sessionKeys";

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const bytes = (text: string) => new Uint8Array(text.match(/../g)!.map((h) => parseInt(h, 16))).buffer;

describe("session keys", () => {
  it("finds the video and period a key URL names", () => {
    expect(keyTarget("/hls/v1.a.1.s.m/0123456789abcdef01234567/key/3")).toEqual({
      video: "0123456789abcdef01234567",
      period: 3,
    });
    expect(keyTarget("http://h/hls/t/abc/key")).toEqual({ video: "abc", period: 0 });
    expect(keyTarget("/hls/t/abc/240p_00001.ts")).toBeNull();
  });

  it("undoes the server's wrapping (vector from streaming/keys.py wrap_for_session)", async () => {
    // secret = bytes 0..31, key = bytes 100..115, video 0123456789abcdef01234567, period 3
    const secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const key = await unwrapKey(bytes("16bf74be40802140cf851fd18f5cd1ce"), secret, "0123456789abcdef01234567", 3);
    expect(hex(key)).toBe("6465666768696a6b6c6d6e6f70717273");
    const otherPeriod = await unwrapKey(
      bytes("16bf74be40802140cf851fd18f5cd1ce"),
      secret,
      "0123456789abcdef01234567",
      4,
    );
    expect(hex(otherPeriod)).not.toBe("6465666768696a6b6c6d6e6f70717273");
  });
});
