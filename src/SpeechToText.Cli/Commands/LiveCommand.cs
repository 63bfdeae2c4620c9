using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Benchmarking;
using SpeechToText.Decoding;
using SpeechToText.Output;
using SpeechToText.Streaming;
using SpeechToText.Text;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt live</c>: transcribes the microphone (or a file or raw PCM played as one) as it is spoken.</summary>
internal static class LiveCommand
{
    /// <summary>
    /// Beams of each live decode for a model that names none (the bundled model names 20: with both its language
    /// models, audio/long.wav fed in real time came out with 23.4% WER at p50 latency 0.86 s, with 3 beams 33.5% at
    /// 0.88 s, greedy 60.1% at 1.00 s: a decode of this model's size takes little of the half second between decodes).
    /// Larger checkpoints on a CPU take longer: 3 beams keep their decodes short.
    /// </summary>
    internal const int DefaultBeamSize = 3;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A model directory, ggml file or name (default: the bundled model)" };
        var input = new Option<string?>("--input", "-i")
        {
            Description = "Transcribe this audio file instead of the microphone; - reads raw 16-bit little-endian 16 kHz mono PCM from standard input",
        };
        var language = new Option<string?>("--language", "-l")
        {
            Description = "Spoken language code (en, de, ...); when omitted, a multilingual model detects it at every decode",
        };
        var realtime = new Option<bool>("--realtime") { Description = "Feed --input FILE at the pace of its own clock, as a microphone would" };
        var device = new Option<string>("--capture-device", "-d") { Description = "The ALSA capture device (see --list-devices)", DefaultValueFactory = _ => "default" };
        var listDevices = new Option<bool>("--list-devices") { Description = "List the capture devices and exit" };
        var chunk = new Option<double>("--chunk") { Description = "Seconds of new audio between decodes", DefaultValueFactory = _ => new StreamingOptions().MinimumChunkSeconds };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Write the final transcript to this file (format from -f, else its extension)" };
        var format = new Option<string?>("--format", "-f") { Description = "Format of --output: txt, srt, vtt, json or tsv" };
        format.AcceptOnlyFromAmong("txt", "srt", "vtt", "json", "tsv");
        var stats = new Option<bool>("--stats")
        {
            Description = "Print latency figures at the end (committed time - time the word ended in the audio); for --input FILE also the word error rate against its offline transcription",
        };
        var reference = new Option<string?>("--reference") { Description = "With --stats: a transcript of the input, to score the live and the offline transcription against" };
        var threads = ThreadsOption.Create("CPU threads (default: libtorch's choice)");
        var beamSize = new Option<int?>("--beam-size")
        {
            Description = $"Beams searched in each decode (1: greedy decoding, the fastest); by default the model's (generation_config.json num_beams), else {DefaultBeamSize}",
        };
        var languageModelWeight = TranscribeCommand.LanguageModelWeight();
        var wordLanguageModelWeight = TranscribeCommand.WordLanguageModelWeight();
        var ctcWeight = TranscribeCommand.CtcWeight(byDefault: "0 (live, it cost words and latency)");
        var command = new Command("live", "Transcribe live audio as it is spoken: tentative text dimmed, committed text normal")
        {
            model, input, language, realtime, device, listDevices, chunk, outputFile, format, stats, reference, threads, beamSize, languageModelWeight, wordLanguageModelWeight,
            ctcWeight,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            if (parsed.GetValue(listDevices))
            {
                foreach (var capture in AlsaMicrophone.Devices())
                    output.WriteLine($"{capture.Name}\t{capture.Description}");
                return ExitCode.Ok;
            }
            string? inputPath = parsed.GetValue(input);
            if (parsed.GetValue(realtime) && inputPath is null or AudioInput.StandardInput)
                throw new UsageException("--realtime needs --input FILE (standard input arrives at its writer's pace)");
            string? outputPath = parsed.GetValue(outputFile);
            var outputFormat = OutputFormat(parsed.GetValue(format), outputPath);
            double chunkSeconds = parsed.GetValue(chunk);
            if (!(chunkSeconds >= 0.1 && chunkSeconds <= 10))
                throw new UsageException($"--chunk must be between 0.1 and 10 seconds, not {chunkSeconds.ToString(CultureInfo.InvariantCulture)}");

            var defaults = new StreamingOptions().Decoding;
            var streaming = new StreamingOptions
            {
                MinimumChunkSeconds = chunkSeconds,
                Decoding = defaults with { BeamSize = parsed.GetValue(beamSize) ?? DefaultBeamSize, // checked now; the model's own once it is loaded
                    Language = parsed.GetValue(language),
                    LanguageModelWeight = parsed.GetValue(languageModelWeight),
                    WordLanguageModelWeight = parsed.GetValue(wordLanguageModelWeight), CtcWeight = parsed.GetValue(ctcWeight) ?? defaults.CtcWeight },
            };
            streaming.Decoding.Validate();
            string? referencePath = parsed.GetValue(reference);
            if (referencePath != null && (!parsed.GetValue(stats) || inputPath is null or AudioInput.StandardInput))
                throw new UsageException("--reference needs --stats and --input FILE");
            if (outputPath != null)
                CompleteFile.CheckWritable(outputPath); // now, not after the session whose transcript it is to hold
            string modelPath = BundledModel.Or(parsed.GetValue(model));
            using var source = Open(inputPath, parsed.GetValue(realtime), parsed.GetValue(device)!); // a bad device fails before the model loads
            using var recognizer = SpeechRecognizer.Load(modelPath, new RecognizerOptions(Threads: parsed.GetValue(threads)), loggers);
            recognizer.KnownLanguage(streaming.Decoding); // refuses a language the model lacks before listening
            streaming = streaming with
            {
                Decoding = streaming.Decoding with { BeamSize = TranscribeCommand.BeamSizeFor(recognizer, parsed.GetValue(beamSize), DefaultBeamSize) },
            };
            Func<int>? terminalWidth = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? TerminalWidth : null;
            var view = new LiveView(output, terminalWidth);
            string? referenceText = referencePath == null ? null : File.ReadAllText(referencePath);
            var session = new LiveSession(recognizer.CreateStream(streaming), view);
            bool replay = inputPath is not null and not AudioInput.StandardInput && !parsed.GetValue(realtime);
            try
            {
                session.Run(source, replay, cancellation);
            }
            finally
            {
                // What was committed is kept even when the source fails (a microphone unplugged, a corrupt file).
                if (outputPath != null && outputFormat is { } chosen)
                    WriteTranscript(outputPath, chosen, session.Utterances, recognizer.KnownLanguage(streaming.Decoding));
            }
            loggers.CreateLogger("live").LogInformation("{Source}: {Seconds:F1} s of audio, {Words} words committed", source.Name, session.AudioSeconds, session.Words.Count);
            if (parsed.GetValue(stats))
            {
                session.WriteStatistics(error, UnmeasuredLatency(inputPath, replay));
                if (inputPath is not null and not AudioInput.StandardInput)
                    WriteAccuracy(error, recognizer, inputPath, streaming.Decoding, session.Text, referenceText, cancellation);
            }
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }

    /// <summary>
    /// Why word latency cannot be measured on <paramref name="input"/> (<paramref name="replayed"/> when a file is read
    /// faster than real time), or null when it arrives in real time.
    /// </summary>
    static string? UnmeasuredLatency(string? input, bool replayed) =>
        replayed ? "the input was read faster than real time; add --realtime"
        : input == AudioInput.StandardInput ? "standard input may arrive faster than real time"
        : null;

    static AudioSource Open(string? input, bool realtime, string device)
    {
        if (input == null)
            return AlsaMicrophone.Open(device);
        if (input == AudioInput.StandardInput)
            return new RawPcmAudioSource(Console.OpenStandardInput(), "stdin", interruptible: true);
        var file = AudioInput.Open(input);
        return realtime ? new RealTimeAudioSource(file) : file;
    }

    static TranscriptFormat? OutputFormat(string? format, string? path)
    {
        if (path == null)
            return format == null ? null : throw new UsageException("--format needs --output FILE");
        string name = format ?? Path.GetExtension(path).TrimStart('.');
        return Enum.TryParse<TranscriptFormat>(name, ignoreCase: true, out var parsed) && name.Length > 0
            ? parsed
            : throw new UsageException($"cannot tell the format of --output {path}: give -f txt, srt, vtt, json or tsv");
    }

    /// <summary>The live transcript scored against the offline transcription of the same file (same decoding), and both against a reference.</summary>
    static void WriteAccuracy(TextWriter error, SpeechRecognizer recognizer, string file, DecodingOptions decoding, string live, string? reference,
        CancellationToken cancellation)
    {
        // A segment's text need not start with a space (the bundled model's do not): joined bare, utterances would run together.
        string offline = string.Join(' ', recognizer.TranscribeAsync(file, decoding, cancellation).ToBlockingEnumerable(cancellation).Select(s => s.Text));
        string Wer(string truth, string hypothesis)
        {
            var (errors, words) = WordErrorRate.Count(EnglishTextNormalizer.Normalize(truth), EnglishTextNormalizer.Normalize(hypothesis));
            return words == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * errors / words:F1}%");
        }
        error.WriteLine($"live against offline transcription of {file}: WER {Wer(offline, live)}");
        if (reference != null)
            error.WriteLine($"against the reference: live WER {Wer(reference, live)}, offline WER {Wer(reference, offline)}");
    }

    static void WriteTranscript(string path, TranscriptFormat format, IReadOnlyList<Segment> utterances, string? language)
    {
        CompleteFile.Write(path, file =>
        {
            var writer = TranscriptWriter.For(format, file, language: language);
            foreach (var utterance in utterances)
                writer.Write(utterance);
            writer.Finish();
        });
    }

    /// <summary>Runs the stream on the source, showing its events and keeping what the transcript and the statistics need.</summary>
    sealed class LiveSession(StreamingTranscriber stream, LiveView view)
    {
        readonly List<Word> _utterance = [];
        readonly List<double> _latencies = [];
        readonly Stopwatch _clock = new();

        public List<Word> Words { get; } = [];

        public string Text => string.Concat(Words.Select(w => w.Text));

        public List<Segment> Utterances { get; } = [];

        public double AudioSeconds { get; private set; }

        /// <summary>Transcribes <paramref name="source"/> as it arrives, or, to <paramref name="replay"/> a recording read faster than real time, chunk by chunk as it would arrive.</summary>
        public void Run(AudioSource source, bool replay, CancellationToken cancellation)
        {
            _clock.Start();
            Action<float[]> heard = chunk => AudioSeconds += chunk.Length / (double)AudioInput.SampleRate;
            var events = replay ? LiveTranscription.Replay(stream, source, heard, cancellation) : LiveTranscription.Run(stream, source, heard, cancellation);
            foreach (var e in events)
                Show(e);
            view.Finish();
        }

        void Show(StreamingEvent e)
        {
            if (e is CommittedText committed)
            {
                double now = _clock.Elapsed.TotalSeconds;
                Words.AddRange(committed.Words);
                _utterance.AddRange(committed.Words);
                _latencies.AddRange(committed.Words.Select(w => now - w.End));
            }
            else if (e is EndOfUtterance && _utterance.Count > 0)
            {
                Utterances.Add(Utterance(_utterance) with { Language = stream.Language });
                _utterance.Clear();
            }
            view.Show(e);
        }

        static Segment Utterance(List<Word> words) => new(
            words[0].Start, words[^1].End, string.Concat(words.Select(w => w.Text)), [], [],
            AverageLogProbability: words.Average(w => Math.Log(Math.Max(w.Probability, 1e-10))), NoSpeechProbability: 0,
            Temperature: 0, CompressionRatio: 0, Words: [.. words]);

        /// <summary>Writes the committed words' latency, or <paramref name="unmeasured"/>: why it is not measured.</summary>
        public void WriteStatistics(TextWriter error, string? unmeasured)
        {
            if (unmeasured != null)
            {
                error.WriteLine($"latency: not measured ({unmeasured})");
                return;
            }
            if (_latencies.Count == 0)
            {
                error.WriteLine("latency: no word was committed");
                return;
            }
            var sorted = _latencies.Order().ToArray();
            double p50 = InferenceBenchmark.Percentile(sorted, 0.5), p90 = InferenceBenchmark.Percentile(sorted, 0.9);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"latency over {sorted.Length} committed words: p50 {p50:F2} s, p90 {p90:F2} s, max {sorted[^1]:F2} s; {stream.Decodes} decodes of {AudioSeconds:F1} s of audio"));
        }
    }

    /// <summary>The terminal's width in columns (80 when it cannot tell).</summary>
    static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth is > 0 and var width ? width : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    /// <summary>
    /// Shows the stream: on a terminal (<paramref name="terminalWidth"/> gives its columns), the current utterance on
    /// one row, committed words normal and tentative ones dimmed, rewritten as they change (the end of an utterance
    /// too long for the row, after "..."); elsewhere, each commit as a line with its times.
    /// </summary>
    internal sealed class LiveView(TextWriter output, Func<int>? terminalWidth)
    {
        const string Dim = "\u001b[2m", Normal = "\u001b[0m", ClearLine = "\r\u001b[K", Elided = "...";
        string _committed = "";
        double? _start;

        bool Terminal => terminalWidth != null;

        public void Show(StreamingEvent e)
        {
            switch (e)
            {
                case CommittedText committed when Terminal:
                    _start ??= committed.Start;
                    _committed += committed.Text;
                    Redraw("");
                    break;
                case CommittedText committed:
                    output.WriteLine($"[{Time(committed.Start)} --> {Time(committed.End)}] {committed.Text.Trim()}");
                    break;
                case TentativeText tentative when Terminal:
                    _start ??= tentative.Text.Length > 0 ? tentative.Start : null;
                    Redraw(tentative.Text);
                    break;
                case EndOfUtterance end when Terminal && _start != null:
                    output.Write($"{ClearLine}[{Time(_start.Value)} --> {Time(end.Seconds)}] {_committed.Trim()}\n");
                    (_committed, _start) = ("", null);
                    break;
            }
            output.Flush();
        }

        public void Finish()
        {
            if (Terminal && _start != null)
                output.WriteLine();
        }

        /// <summary>
        /// Rewrites the row. A line wider than the terminal would wrap, and the carriage return goes back to its last row
        /// only, leaving the others on the screen at each redraw: the start of the utterance gives way instead.
        /// </summary>
        void Redraw(string tentative)
        {
            string time = $"[{Time(_start ?? 0)}] ", committed = _committed.Trim();
            string pending = committed.Length > 0 ? tentative : tentative.TrimStart();
            int excess = time.Length + committed.Length + pending.Length - (terminalWidth!() - 1);
            if (excess > 0)
            {
                int cut = excess + Elided.Length, fromCommitted = Math.Min(cut, committed.Length);
                (time, committed) = (time + Elided, committed[fromCommitted..]);
                pending = pending[Math.Min(cut - fromCommitted, pending.Length)..];
            }
            output.Write($"{ClearLine}{time}{committed}{Dim}{pending}{Normal}");
        }

        static string Time(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"mm\:ss\.ff", CultureInfo.InvariantCulture);
    }
}
