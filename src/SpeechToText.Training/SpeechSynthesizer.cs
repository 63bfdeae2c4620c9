using System.Diagnostics;
using System.Globalization;
using SpeechToText.Audio;

namespace SpeechToText.Training;

/// <summary>Prosody of one synthesised utterance.</summary>
/// <param name="Rate">Relative speaking rate (1 = the voice's default).</param>
/// <param name="Pitch">Relative pitch, 0.7 to 1.3 (espeak-ng and MBROLA: 15 to 85 of espeak-ng's 0 to 99 scale; flite and festival: 80 to 230 Hz; Pico and RHVoice: that share of the voice's own; festival's Catalan voice: its speech played that many times as fast, formants moving with the pitch).</param>
/// <param name="WordGap">Extra pause between words, in units of 10 ms (espeak-ng and MBROLA only).</param>
public sealed record Prosody(double Rate, double Pitch, int WordGap);

/// <summary>
/// Speaks text with espeak-ng, flite or festival (Debian packages), or SVOX Pico, RHVoice or MBROLA through espeak-ng
/// (Debian contrib and non-free packages), and returns 16 kHz mono samples. festival's
/// Catalan voices (engine <c>festival-ca</c>) read English through EnglishInCatalan.scm: each word as English
/// pronounces it, in Catalan phones.
/// </summary>
public static class SpeechSynthesizer
{
    /// <summary>Synthesises <paramref name="text"/>, with <paramref name="accent"/>'s pronunciation if one is given.</summary>
    /// <exception cref="MissingDependencyException">The engine is not installed.</exception>
    /// <exception cref="ArgumentException">An accent for a voice that does not speak espeak-ng's phonemes.</exception>
    public static float[] Speak(string text, Voice voice, Prosody prosody, Accent? accent = null)
    {
        if (accent != null)
            text = $"[[{accent.Apply(Phonemes(text, voice))}]]";
        string temporary = Path.Combine(Path.GetTempPath(), $"stt-tts-{Guid.NewGuid():N}.wav");
        string textFile = Path.ChangeExtension(temporary, ".txt"); // festival reads its text or script from a file
        try
        {
            var start = voice.Engine switch
            {
                "espeak-ng" or "mbrola" => new ProcessStartInfo("espeak-ng") // MBROLA's voices are espeak-ng's mb-* voices
                {
                    ArgumentList =
                    {
                        "-v", voice.Name, "-s", Invariant((int)Math.Round(170 * prosody.Rate)), "-p", Invariant(EspeakPitch(prosody.Pitch)),
                        "-g", Invariant(prosody.WordGap), "-w", temporary, text,
                    },
                },
                "pico" => new ProcessStartInfo("pico2wave")
                {
                    ArgumentList = { "-l", voice.Name, "-w", temporary, PicoMarkup(text, prosody) },
                },
                "rhvoice" => new ProcessStartInfo("RHVoice-test")
                {
                    ArgumentList =
                    {
                        "-p", voice.Name, "-r", Percent(prosody.Rate), "-t", Percent(prosody.Pitch),
                        "-o", temporary,
                    },
                    RedirectStandardInput = true, // the text
                },
                "flite" => new ProcessStartInfo("flite")
                {
                    ArgumentList =
                    {
                        "-voice", voice.Name, "--setf", $"duration_stretch={Invariant(1 / prosody.Rate)}",
                        "--setf", $"int_f0_target_mean={Invariant(FliteF0(prosody.Pitch))}", "-t", text, "-o", temporary,
                    },
                },
                "festival" => new ProcessStartInfo("text2wave")
                {
                    ArgumentList =
                    {
                        "-eval", $"(voice_{voice.Name})", "-eval", $"(Parameter.set 'Duration_Stretch {Invariant(1 / prosody.Rate)})",
                        "-eval", FestivalPitch(prosody.Pitch), "-o", temporary, WriteText(textFile, text),
                    },
                },
                "festival-ca" => new ProcessStartInfo("festival")
                {
                    ArgumentList = { "-b", WriteText(textFile, EnglishInCatalanScript(text, voice.Name, prosody, temporary)) },
                },
                _ => throw new ArgumentException($"Unknown engine {voice.Engine}", nameof(voice)),
            };
            start.RedirectStandardError = true;
            start.RedirectStandardOutput = true;
            using (var process = Start(start, voice.Engine))
            {
                var (output, said) = Finish(process, start.RedirectStandardInput ? text : null);
                string errors = said.Trim() is not "" ? said : output; // some say why on their output
                if (process.ExitCode != 0 && voice.Engine == "mbrola" && !MbrolaInstalled(voice.Name))
                    throw new MissingDependencyException(
                        $"MBROLA's voice {voice.Name} is not installed (espeak-ng needs the program mbrola on the PATH and the database "
                        + $"{MbrolaDirectory}/{MbrolaDatabase(voice.Name)}; scripts/install-voices installs the English voices from Debian's contrib and non-free sections).");
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"{voice} failed on \"{text}\": {Failure(errors, process.ExitCode)}");
            }
            var samples = AudioInput.ReadAll(temporary);
            // festival's HTS engine sets the speed but not the pitch: the speech is made at rate / pitch and played pitch times as fast
            return voice.Engine == "festival-ca" ? Augmentation.ChangeSpeed(samples, prosody.Pitch) : samples;
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(textFile);
        }
    }

    /// <summary>Whether <see cref="Speak"/> can give <paramref name="voice"/> an accent: espeak-ng's and MBROLA's voices speak espeak-ng's phonemes.</summary>
    public static bool TakesAccent(Voice voice) => voice.Engine is "espeak-ng" or "mbrola";

    /// <summary>
    /// The phonemes espeak-ng speaks <paramref name="text"/> with in <paramref name="voice"/> (its mnemonics; an MBROLA
    /// voice's are those of the espeak-ng voice it is built on), its clauses joined by pauses.
    /// </summary>
    static string Phonemes(string text, Voice voice)
    {
        if (!TakesAccent(voice))
            throw new ArgumentException($"{voice} does not speak espeak-ng's phonemes: only espeak-ng's and MBROLA's voices take an accent", nameof(voice));
        string language = voice.Engine == "mbrola" ? (voice.Name == "mb-en1" ? "en-gb" : "en-us") : voice.Name;
        var start = new ProcessStartInfo("espeak-ng") { ArgumentList = { "-q", "-x", "-v", language, "--", text }, RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Start(start, "espeak-ng"))
        {
            var (phonemes, errors) = Finish(process, input: null);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{voice} failed to transcribe \"{text}\" into phonemes: {Failure(errors, process.ExitCode)}");
            return string.Join(" _: ", phonemes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }

    /// <summary>Starts a program of <paramref name="engine"/>; a missing one is a missing dependency naming what installs it.</summary>
    /// <exception cref="MissingDependencyException">The program is not installed.</exception>
    static Process Start(ProcessStartInfo start, string engine)
    {
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            string install = engine switch
            {
                "festival" => "apt-get install festival festvox-kallpc16k festvox-kdlpc16k",
                "festival-ca" => "apt-get install festival festvox-kallpc16k festvox-ca-ona-hts",
                "pico" or "rhvoice" or "mbrola" => "scripts/install-voices installs it from Debian's contrib and non-free sections",
                _ => $"apt-get install {engine}",
            };
            throw new MissingDependencyException($"{start.FileName} is not installed ({install}).", e);
        }
    }

    /// <summary>
    /// Gives a started program its <paramref name="input"/> (if any), waits for it to exit and returns what it wrote to
    /// its output and error streams, both drained as they come: a program blocked on a full pipe would never exit.
    /// </summary>
    static (string Output, string Errors) Finish(Process process, string? input)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input != null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        process.WaitForExit();
        return (output.GetAwaiter().GetResult(), errors.GetAwaiter().GetResult());
    }

    /// <summary>What a synthesiser that failed said (its last 2,000 characters), or its exit code if it said nothing.</summary>
    static string Failure(string errors, int exitCode) => errors.Trim() switch
    {
        "" => $"exit code {exitCode}",
        { Length: > FailureLength } said => "..." + said[^FailureLength..],
        var said => said,
    };

    const int FailureLength = 2000;

    const string MbrolaDirectory = "/usr/share/mbrola";

    /// <summary>The diphone database behind espeak-ng's MBROLA voice <c>mb-us1</c>: <c>us1</c>.</summary>
    static string MbrolaDatabase(string voiceName) => voiceName.StartsWith("mb-", StringComparison.Ordinal) ? voiceName[3..] : voiceName;

    /// <summary>
    /// Whether the program mbrola is on the PATH and the voice's database where espeak-ng looks for it (Debian's
    /// packages: <c>/usr/share/mbrola/us1/us1</c>).
    /// </summary>
    static bool MbrolaInstalled(string voiceName)
    {
        string database = MbrolaDatabase(voiceName);
        bool program = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "mbrola")));
        return program && (File.Exists(Path.Combine(MbrolaDirectory, database)) || File.Exists(Path.Combine(MbrolaDirectory, database, database))
            || File.Exists(Path.Combine(MbrolaDirectory, "voices", database)));
    }

    static string WriteText(string path, string text)
    {
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// The text as SVOX Pico's markup speaks it at <paramref name="prosody"/>'s rate and pitch (levels in percent of
    /// the voice's own), its own markup characters escaped.
    /// </summary>
    internal static string PicoMarkup(string text, Prosody prosody) =>
        $"<speed level='{Percent(prosody.Rate)}'><pitch level='{Percent(prosody.Pitch)}'>"
        + System.Security.SecurityElement.Escape(text) + "</pitch></speed>";

    /// <summary>
    /// espeak-ng's pitch setting (0 to 99, default 50) for a relative pitch of 0.7 to 1.3: 15 to 85, most of its
    /// scale (en-us: a median F0 of about 80 to 150 Hz, against 90 to 125 Hz for 35 to 65).
    /// </summary>
    static int EspeakPitch(double pitch) => (int)Math.Round(15 + 70 * Math.Clamp((pitch - 0.7) / 0.6, 0, 1));

    /// <summary>
    /// flite's mean pitch (Hz) for a relative pitch of 0.7 to 1.3: 80 to 230 Hz, so that its male voices also
    /// speak at the pitch of women's and children's voices.
    /// </summary>
    static double FliteF0(double pitch) => 80 + 150 * Math.Clamp((pitch - 0.7) / 0.6, 0, 1);

    /// <summary>
    /// The festival expression setting a diphone voice's intonation targets: the mean pitch as for flite, a
    /// spread of a seventh of it (the linear-regression model's own statistics, 170 ± 34 Hz, stay).
    /// </summary>
    static string FestivalPitch(double pitch)
    {
        double mean = FliteF0(pitch);
        return $"(set! int_lr_params '((target_f0_mean {Invariant(mean)}) (target_f0_std {Invariant(mean / 7)}) (model_f0_mean 170) (model_f0_std 34)))";
    }

    /// <summary>
    /// The festival script in which the Catalan HTS voice <paramref name="voiceName"/> reads <paramref name="text"/> as
    /// English into <paramref name="wavePath"/>: each word also spelt without apostrophes, for the English lexicon's
    /// letter-to-sound rules ("o'clock"); at hts_engine's speed rate / pitch, which playing the speech pitch times
    /// as fast brings back to the rate.
    /// </summary>
    static string EnglishInCatalanScript(string text, string voiceName, Prosody prosody, string wavePath)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => $"({SchemeString(word)} {SchemeString(word.Replace("'", "", StringComparison.Ordinal))})");
        return $"""
            {EnglishInCatalan}
            (stt_say_english 'voice_{voiceName} '({string.Join(' ', words)}) {Invariant(prosody.Rate / prosody.Pitch)} {SchemeString(wavePath)})

            """;
    }

    /// <summary>The festival functions of EnglishInCatalan.scm (an embedded resource), which a script then calls.</summary>
    internal static string EnglishInCatalan => EnglishInCatalanText.Value;

    static readonly Lazy<string> EnglishInCatalanText = new(() =>
    {
        using var stream = typeof(SpeechSynthesizer).Assembly.GetManifestResourceStream("SpeechToText.Training.EnglishInCatalan.scm")!;
        return new StreamReader(stream).ReadToEnd();
    });

    static string SchemeString(string value) => $"\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A relative rate or pitch as the whole percent Pico and RHVoice take.</summary>
    static string Percent(double relative) => Invariant((int)Math.Round(100 * relative));
}
