using System.Diagnostics;
using System.Globalization;
using SpeechToText.Audio;

namespace SpeechToText.Training;

/// <summary>Prosody of one synthesised utterance.</summary>
/// <param name="Rate">Relative speaking rate (1 = the voice's default).</param>
/// <param name="Pitch">Relative pitch, 0.7 to 1.3 (espeak-ng: around its default; flite: 80 to 230 Hz).</param>
/// <param name="WordGap">Extra pause between words, in units of 10 ms (espeak-ng only).</param>
public sealed record Prosody(double Rate, double Pitch, int WordGap);

/// <summary>Speaks text with espeak-ng or flite (Debian packages) and returns 16 kHz mono samples.</summary>
public static class SpeechSynthesizer
{
    /// <summary>Synthesises <paramref name="text"/>.</summary>
    /// <exception cref="MissingDependencyException">The engine is not installed.</exception>
    public static float[] Speak(string text, Voice voice, Prosody prosody)
    {
        string temporary = Path.Combine(Path.GetTempPath(), $"stt-tts-{Guid.NewGuid():N}.wav");
        try
        {
            var start = voice.Engine switch
            {
                "espeak-ng" => new ProcessStartInfo("espeak-ng")
                {
                    ArgumentList =
                    {
                        "-v", voice.Name, "-s", Invariant((int)Math.Round(170 * prosody.Rate)), "-p", Invariant((int)Math.Round(50 * prosody.Pitch)),
                        "-g", Invariant(prosody.WordGap), "-w", temporary, text,
                    },
                },
                "flite" => new ProcessStartInfo("flite")
                {
                    ArgumentList =
                    {
                        "-voice", voice.Name, "--setf", $"duration_stretch={Invariant(1 / prosody.Rate)}",
                        "--setf", $"int_f0_target_mean={Invariant(FliteF0(prosody.Pitch))}", "-t", text, "-o", temporary,
                    },
                },
                _ => throw new ArgumentException($"Unknown engine {voice.Engine}", nameof(voice)),
            };
            start.RedirectStandardError = true;
            start.RedirectStandardOutput = true;
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new MissingDependencyException($"{voice.Engine} is not installed (apt-get install {voice.Engine}).", e);
            }
            using (process)
            {
                string errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"{voice} failed on \"{text}\": {errors.Trim()}");
            }
            return AudioInput.ReadAll(temporary);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// flite's mean pitch (Hz) for a relative pitch of 0.7 to 1.3: 80 to 230 Hz, so that its male voices also
    /// speak at the pitch of women's and children's voices.
    /// </summary>
    static double FliteF0(double pitch) => 80 + 150 * Math.Clamp((pitch - 0.7) / 0.6, 0, 1);

    static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
