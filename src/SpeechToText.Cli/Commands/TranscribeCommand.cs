using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Output;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt transcribe FILE...</c>: speech to text with timestamps, as txt/srt/vtt/json/tsv.</summary>
internal static class TranscribeCommand
{
    const string AllFormats = "all";

    /// <summary>
    /// The beam size of the command line for a model that names none: 5, as in the reference's, whisper.cpp's and
    /// faster-whisper's command lines.
    /// </summary>
    internal const int DefaultBeamSize = 5;

    /// <summary>The option choosing the beam size (transcribe and evaluate); <see cref="BeamSizeFor"/> fills in its default.</summary>
    internal static Option<int?> BeamSize() => new("--beam-size")
    {
        Description = $"Beams searched at temperature 0 (1: greedy decoding); by default the model's (generation_config.json num_beams), else {DefaultBeamSize}",
    };

    /// <summary>The beam size searched: the one <paramref name="given"/>, else the model's own, else <paramref name="fallback"/>.</summary>
    internal static int BeamSizeFor(SpeechRecognizer recognizer, int? given, int fallback = DefaultBeamSize) => given ?? recognizer.BeamSize ?? fallback;

    /// <summary>The option weighing the model's language model in beam search (transcribe, evaluate and live).</summary>
    internal static Option<double?> LanguageModelWeight() => new("--lm-weight")
    {
        Description = "How much the model's language model counts in beam search (0: not at all); the weight stored with it by default",
    };

    /// <summary>The option weighing the model's word language model in beam search (transcribe, evaluate and live).</summary>
    internal static Option<double?> WordLanguageModelWeight() => new("--word-lm-weight")
    {
        Description = "How much the model's word language model counts beside the character one (0: not at all); the weight stored with it by default",
    };

    /// <summary>The option weighing the model's CTC head in beam search (transcribe, evaluate and live, whose default is <paramref name="byDefault"/>).</summary>
    internal static Option<double?> CtcWeight(string byDefault = "the model's (generation_config.json ctc_weight), else 0") => new("--ctc-weight")
    {
        Description = $"How much the model's CTC head (ctc_head.safetensors) counts in beam search (0: not at all); by default {byDefault}",
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("files") { Description = "Audio files (any format ffmpeg reads), or - for stdin", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string?>("--model", "-m") { Description = "A Hugging Face Whisper directory or a whisper.cpp ggml file (default: the bundled model)" };
        var language = new Option<string?>("--language", "-l") { Description = "Spoken language code (en, de, ...); detected when omitted (multilingual models)" };
        var task = new Option<string>("--task") { Description = "transcribe, or translate into English", DefaultValueFactory = _ => "transcribe" };
        task.AcceptOnlyFromAmong("transcribe", "translate");
        var format = new Option<string>("--format", "-f") { Description = "txt, srt, vtt, json, tsv, or all (needs --output-dir)", DefaultValueFactory = _ => "txt" };
        format.AcceptOnlyFromAmong([.. Enum.GetNames<TranscriptFormat>().Select(n => n.ToLowerInvariant()), AllFormats]);
        var outputDirectory = new Option<string?>("--output-dir", "-o") { Description = "Write FILE.<format> here instead of to stdout" };
        var timestamps = new Option<bool>("--timestamps") { Description = "Predict timestamps and split into timed segments (default)" };
        var noTimestamps = new Option<bool>("--no-timestamps") { Description = "Text only: no timestamp tokens (one segment per 30 s window)" };
        var precision = new Option<string>("--precision") { Description = "fp32, or bf16 (faster on CPUs with AVX512-BF16)", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "bf16");
        var threads = ThreadsOption.Create("CPU threads (default: libtorch's choice)");
        var device = new Option<string>("--device") { Description = "cpu, or cuda with a CUDA build of libtorch", DefaultValueFactory = _ => "cpu" };
        var attention = new Option<string>("--attention")
        {
            Description = "What computes attention: auto (a GPU if there is one, else TorchSharp on the CPU), torch, or ilgpu (the GPU kernels; on ILGPU's slow CPU accelerator without a GPU)",
            DefaultValueFactory = _ => "auto",
        };
        attention.AcceptOnlyFromAmong("auto", "torch", "ilgpu");
        var temperature = new Option<double[]>("--temperature")
        {
            Description = "Temperatures tried in turn when a window fails the quality checks (default 0 0.2 ... 1.0); a single 0 disables fallback",
            AllowMultipleArgumentsPerToken = true,
        };
        var bestOf = new Option<int>("--best-of") { Description = "Candidates sampled at temperatures above 0", DefaultValueFactory = _ => 5 };
        var beamSize = BeamSize();
        var patience = new Option<double>("--patience") { Description = "Beam search stops after beam-size x patience transcripts end", DefaultValueFactory = _ => 1.0 };
        var lengthPenalty = new Option<double?>("--length-penalty")
        {
            Description = "Rank candidate transcripts by log-probability over ((5 + length) / 6)^ALPHA, ALPHA from 0 to 1 (default: per token)",
        };
        var initialPrompt = new Option<string?>("--initial-prompt") { Description = "Text that precedes the audio (names, spelling, style)" };
        var carryInitialPrompt = new Option<bool>("--carry-initial-prompt") { Description = "Prompt every window with --initial-prompt, not only the first" };
        var wordTimestamps = new Option<bool>("--word-timestamps") { Description = "Time every word from the cross-attention (JSON: each segment's \"words\")" };
        var languageModelWeight = LanguageModelWeight();
        var wordLanguageModelWeight = WordLanguageModelWeight();
        var ctcWeight = CtcWeight();
        var defaults = new DecodingOptions();
        var compressionRatioThreshold = Threshold("--compression-ratio-threshold",
            $"Retry a window hotter when its text's gzip compression ratio is above this (repetition); none: never (default {defaults.CompressionRatioThreshold})");
        var logProbabilityThreshold = Threshold("--logprob-threshold",
            $"Retry a window hotter when its average token log-probability is below this; none: never (default {defaults.LogProbabilityThreshold})");
        var noSpeechThreshold = Threshold("--no-speech-threshold",
            $"Skip a window as silence when its no-speech probability is above this, unless its log-probability is above --logprob-threshold; none: never (default {defaults.NoSpeechThreshold})");
        var maxLineWidth = new Option<int?>("--max-line-width") { Description = "With --word-timestamps: subtitles (srt, vtt) wrap lines at this many characters" };
        var maxLineCount = new Option<int?>("--max-line-count") { Description = "With --max-line-width: the most lines of a subtitle (segments then flow together)" };
        var maxWordsPerLine = new Option<int?>("--max-words-per-line") { Description = "With --word-timestamps, without --max-line-count: the most words of a subtitle" };
        var highlightWords = new Option<bool>("--highlight-words") { Description = "With --word-timestamps: underline each word of a subtitle while it is spoken" };
        var hallucinationSilence = new Option<double?>("--hallucination-silence-threshold")
        {
            Description = "With --word-timestamps: drop a segment that looks made up when this many seconds of silence surround it, and decode again after the silence",
        };
        var noConditioning = new Option<bool>("--no-condition-on-previous-text")
        {
            Description = "Do not prompt each window with the text before it (a repetition loop cannot carry over; style and spelling may drift)",
        };

        var command = new Command("transcribe", "Transcribe speech in audio files")
        {
            files, model, language, task, format, outputDirectory, timestamps, noTimestamps, precision, threads, device, attention, temperature, bestOf, beamSize, patience,
            lengthPenalty, initialPrompt, carryInitialPrompt, wordTimestamps, languageModelWeight, wordLanguageModelWeight, ctcWeight, compressionRatioThreshold, logProbabilityThreshold, noSpeechThreshold, noConditioning,
            hallucinationSilence, maxLineWidth, maxLineCount, maxWordsPerLine, highlightWords,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            if (parsed.GetValue(timestamps) && parsed.GetValue(noTimestamps))
                throw new UsageException("--timestamps and --no-timestamps contradict each other");
            if (parsed.GetValue(carryInitialPrompt) && parsed.GetValue(initialPrompt) == null)
                throw new UsageException("--carry-initial-prompt needs --initial-prompt");
            var layout = new SubtitleLayout(parsed.GetValue(maxLineWidth), parsed.GetValue(maxLineCount), parsed.GetValue(maxWordsPerLine), parsed.GetValue(highlightWords));
            if (layout != new SubtitleLayout() && !parsed.GetValue(wordTimestamps))
                throw new UsageException("--max-line-width, --max-line-count, --max-words-per-line and --highlight-words lay subtitles out from timed words: they need --word-timestamps");
            if (layout.MaxLineCount != null && layout.MaxLineWidth == null)
                throw new UsageException("--max-line-count counts the lines --max-line-width makes: give both");
            if (layout.MaxLineCount != null && layout.MaxWordsPerLine != null)
                throw new UsageException("--max-words-per-line cuts segments into subtitles, which --max-line-count lets flow together: give one");
            layout.Validate();
            if (parsed.GetValue(hallucinationSilence) != null && !parsed.GetValue(wordTimestamps))
                throw new UsageException("--hallucination-silence-threshold needs --word-timestamps: made-up text is found by its words' timing");
            string formatName = parsed.GetValue(format)!;
            string? directory = parsed.GetValue(outputDirectory);
            if (formatName == AllFormats && directory == null)
                throw new UsageException("--format all needs --output-dir");
            if (directory != null && File.Exists(directory))
                throw new UsageException($"--output-dir {directory} is a file, not a directory");
            var formats = formatName == AllFormats ? Enum.GetValues<TranscriptFormat>() : [Enum.Parse<TranscriptFormat>(formatName, ignoreCase: true)];
            var options = new DecodingOptions
            {
                Language = parsed.GetValue(language),
                Task = parsed.GetValue(task) == "translate" ? DecodingTask.Translate : DecodingTask.Transcribe,
                Timestamps = !parsed.GetValue(noTimestamps),
                Temperatures = parsed.GetValue(temperature) is { Length: > 0 } t ? t : new DecodingOptions().Temperatures,
                BestOf = parsed.GetValue(bestOf),
                BeamSize = parsed.GetValue(beamSize) ?? DefaultBeamSize, // checked now; the model's own once it is loaded
                Patience = parsed.GetValue(patience),
                LengthPenalty = parsed.GetValue(lengthPenalty),
                InitialPrompt = parsed.GetValue(initialPrompt),
                CarryInitialPrompt = parsed.GetValue(carryInitialPrompt),
                WordTimestamps = parsed.GetValue(wordTimestamps),
                LanguageModelWeight = parsed.GetValue(languageModelWeight),
                WordLanguageModelWeight = parsed.GetValue(wordLanguageModelWeight),
                CtcWeight = parsed.GetValue(ctcWeight),
                CompressionRatioThreshold = ThresholdValue(parsed, compressionRatioThreshold, defaults.CompressionRatioThreshold),
                LogProbabilityThreshold = ThresholdValue(parsed, logProbabilityThreshold, defaults.LogProbabilityThreshold),
                NoSpeechThreshold = ThresholdValue(parsed, noSpeechThreshold, defaults.NoSpeechThreshold),
                ConditionOnPreviousText = !parsed.GetValue(noConditioning),
                HallucinationSilenceThreshold = parsed.GetValue(hallucinationSilence),
            };
            options.Validate();
            string[] inputs = parsed.GetValue(files)!;
            if (directory != null)
                RefuseSharedTranscripts(inputs, directory);
            else if (inputs.Length > 1 && formats[0] != TranscriptFormat.Txt)
                throw new UsageException($"--format {formatName} makes one document per input: give --output-dir for {inputs.Length} inputs");
            var log = loggers.CreateLogger("transcribe");
            string modelPath = BundledModel.Or(parsed.GetValue(model));
            var clock = Stopwatch.StartNew();
            using var recognizer = SpeechRecognizer.Load(modelPath,
                new RecognizerOptions(parsed.GetValue(device)!, parsed.GetValue(precision) == "bf16" ? Precision.Bf16 : Precision.Fp32, parsed.GetValue(threads),
                    Enum.Parse<AttentionBackend>(parsed.GetValue(attention)!, ignoreCase: true)),
                loggers);
            log.LogDebug("loaded {Model} in {Milliseconds} ms", modelPath, clock.ElapsedMilliseconds);
            options = options with { BeamSize = BeamSizeFor(recognizer, parsed.GetValue(beamSize)) };
            // An input that cannot be read does not stop the others; the command then fails, naming how many.
            var unreadable = new List<string>();
            foreach (string file in inputs)
            {
                try
                {
                    Transcribe(recognizer, file, options, formats, layout, directory, output, new ProgressBar(error), log, cancellation);
                }
                catch (AudioInputException e) when (inputs.Length > 1 && !SttApp.Interrupted(cancellation))
                {
                    error.WriteLine($"stt: error: {e.Message} (skipped)");
                    unreadable.Add(e.Input);
                }
            }
            if (unreadable.Count > 0)
                throw new AudioInputException(string.Join(", ", unreadable), $"{unreadable.Count} of {inputs.Length} inputs could not be transcribed (see above)");
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }

    const double ProgressAfterSeconds = 60;
    const string Never = "none";

    /// <summary>An option giving a decoding threshold: a number, or "none" to turn its check off.</summary>
    static Option<string?> Threshold(string name, string description) => new(name) { Description = description, HelpName = $"number|{Never}" };

    /// <summary>The threshold <paramref name="option"/> gives: its number, null for "none", <paramref name="fallback"/> when it is not given.</summary>
    static double? ThresholdValue(ParseResult parsed, Option<string?> option, double? fallback)
    {
        string? text = parsed.GetValue(option);
        if (text == null)
            return fallback;
        if (text.Equals(Never, StringComparison.OrdinalIgnoreCase))
            return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            return value;
        throw new UsageException($"{option.Name} must be a number or {Never}, not \"{text}\"");
    }

    /// <summary>The name of an input's transcripts in an output directory, before the format's extension.</summary>
    static string Stem(string file) => file == AudioInput.StandardInput ? "stdin" : Path.GetFileNameWithoutExtension(file);

    /// <summary>Refuses inputs whose transcripts would overwrite each other in <paramref name="directory"/> (a/talk.wav and b/talk.mp3).</summary>
    static void RefuseSharedTranscripts(string[] files, string directory)
    {
        if (files.GroupBy(Stem).FirstOrDefault(g => g.Count() > 1) is { } shared)
            throw new UsageException($"{string.Join(" and ", shared)} would write the same transcripts ({Path.Combine(directory, shared.Key)}.*); transcribe them into different --output-dir");
    }

    static void Transcribe(SpeechRecognizer recognizer, string file, DecodingOptions options, TranscriptFormat[] formats, SubtitleLayout layout,
        string? directory, TextWriter stdout, ProgressBar progress, ILogger log, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        string? language = recognizer.KnownLanguage(options); // refuses a language the model lacks before the audio is read
        var samples = AudioInput.ReadAll(file, log, cancellation);
        if (language == null)
        {
            // Detected before transcribing, as the reference does, so that a transcript without segments still names it.
            language = recognizer.DetectLanguage(samples).Language;
            options = options with { Language = language };
        }
        var writers = new List<(TranscriptWriter Writer, TextWriter? File, string? Path)>();
        try
        {
            if (directory == null)
            {
                writers.Add((TranscriptWriter.For(formats[0], stdout, layout, language), null, null));
            }
            else
            {
                Directory.CreateDirectory(directory);
                foreach (var format in formats)
                {
                    string path = Path.Combine(directory, $"{Stem(file)}.{TranscriptWriter.Extension(format)}");
                    var writer = new StreamWriter(path + ".partial");
                    writers.Add((TranscriptWriter.For(format, writer, layout, language), writer, path));
                }
            }
            double duration = samples.Length / (double)AudioInput.SampleRate, end = 0;
            var segments = recognizer.TranscribeAsync(samples, options, cancellation).ToBlockingEnumerable(cancellation);
            foreach (var segment in segments)
            {
                foreach (var (writer, _, _) in writers)
                    writer.Write(segment);
                end = segment.End;
                log.LogDebug("{Start:F2} -> {End:F2}: {Text}", segment.Start, segment.End, segment.Text.Trim());
                if (duration > ProgressAfterSeconds)
                    progress.Report(Path.GetFileName(file), Math.Min(end, duration), duration, "s");
            }
            progress.Finish();
            foreach (var (writer, fileWriter, path) in writers)
            {
                writer.Finish();
                if (fileWriter != null && path != null)
                {
                    fileWriter.Dispose();
                    File.Move(path + ".partial", path, overwrite: true);
                    log.LogInformation("wrote {Path}", path);
                }
            }
            log.LogInformation("{File}: {Seconds:F1} s of audio transcribed in {Elapsed:F1} s", file, duration, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var (_, fileWriter, path) in writers)
            {
                fileWriter?.Dispose();
                if (path != null && File.Exists(path + ".partial"))
                    File.Delete(path + ".partial");
            }
        }
    }
}
