using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Streaming;
using SpeechToText.Text;
using TorchSharp;

namespace SpeechToText;

/// <summary>Numeric precision of inference.</summary>
public enum Precision
{
    /// <summary>32-bit floats: the reference.</summary>
    Fp32,

    /// <summary>bfloat16 weights and activations (logits stay float32): about 2.5x faster on CPUs with AVX512-BF16.</summary>
    Bf16,
}

/// <summary>How a model is loaded.</summary>
/// <param name="Device">"cpu", or "cuda" when a CUDA build of libtorch is present.</param>
/// <param name="Precision">Fp32 or Bf16.</param>
/// <param name="Threads">CPU threads for libtorch; null leaves libtorch's default.</param>
/// <param name="Attention">What computes the attentions: a GPU when there is one (auto), TorchSharp, or the ILGPU kernels.</param>
public sealed record RecognizerOptions(
    string Device = "cpu", Precision Precision = Precision.Fp32, int? Threads = null, AttentionBackend Attention = AttentionBackend.Auto);

/// <summary>
/// Speech recognition with one loaded Whisper model: load once, transcribe many inputs, concurrently if
/// wanted. Segments arrive as they are decoded.
/// </summary>
/// <example>
/// <code>
/// using var recognizer = SpeechRecognizer.Load("models/base.en");
/// await foreach (var segment in recognizer.TranscribeAsync("talk.mp3"))
///     Console.WriteLine($"[{segment.Start:F2} → {segment.End:F2}] {segment.Text}");
/// </code>
/// </example>
public sealed class SpeechRecognizer : IDisposable
{
    readonly WhisperModel _model;
    readonly ILoggerFactory? _loggers;

    SpeechRecognizer(WhisperModel model, WhisperTokenizer tokenizer, string name, LanguageModels? languageModels, ILoggerFactory? loggers)
    {
        _model = model;
        Tokenizer = tokenizer;
        ModelName = name;
        LanguageModels = languageModels;
        _loggers = loggers;
    }

    /// <summary>The model's tokenizer.</summary>
    public WhisperTokenizer Tokenizer { get; }

    /// <summary>The model's path or name.</summary>
    public string ModelName { get; }

    /// <summary>The model's dimensions.</summary>
    public ModelDimensions Dimensions => _model.Dimensions;

    /// <summary>The beam size the model asks for by default (<see cref="WhisperModel.BeamSize"/>), or null when it names none.</summary>
    public int? BeamSize => _model.BeamSize;

    /// <summary>
    /// The language models kept in the model's directory (<see cref="CharacterLanguageModel.FileName"/> and, beside it,
    /// <see cref="WordLanguageModel.FileName"/>), fused into beam search; null if it has none.
    /// </summary>
    public LanguageModels? LanguageModels { get; }

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> (a Hugging Face directory or a ggml file), and the language
    /// models and CTC head (<see cref="CtcHead.FileName"/>) its directory keeps, if any.
    /// </summary>
    /// <exception cref="ArgumentException">The options ask for fewer than one thread.</exception>
    /// <exception cref="InvalidDataException">The checkpoint, a language model or the CTC head is missing or corrupt, or a word
    /// language model has no character model to be fused beside (none, or one of another alphabet).</exception>
    /// <exception cref="MissingDependencyException">libtorch (or the requested device) is not available.</exception>
    public static SpeechRecognizer Load(string path, RecognizerOptions? options = null, ILoggerFactory? loggers = null)
    {
        options ??= new RecognizerOptions();
        if (options.Threads is < 1)
            throw new ArgumentException($"The CPU threads must be at least 1; {options.Threads} was given.", nameof(options));
        TorchRuntime.EnsureAvailable();
        if (options.Threads is { } threads)
            torch.set_num_threads(threads);
        var device = ResolveDevice(options.Device);
        var (model, tokenizer) = CheckpointReader.Load(path);
        try
        {
            string languageModelPath = Path.Combine(path, CharacterLanguageModel.FileName);
            var languageModel = File.Exists(languageModelPath) ? CharacterLanguageModel.Load(languageModelPath) : null; // none beside a ggml file
            string wordsPath = Path.Combine(path, WordLanguageModel.FileName);
            var words = File.Exists(wordsPath) ? WordLanguageModel.Load(wordsPath) : null;
            if (words != null && words.Alphabet != languageModel?.Alphabet)
                throw new InvalidDataException(languageModel == null
                    ? $"{wordsPath}: a word language model is fused only beside a character one, and {path} has no {CharacterLanguageModel.FileName}"
                    : $"{wordsPath}: its alphabet \"{words.Alphabet}\" is not the character language model's \"{languageModel.Alphabet}\"");
            string ctcHeadPath = Path.Combine(path, CtcHead.FileName);
            if (File.Exists(ctcHeadPath))
                model.CtcHead = CtcHead.Load(ctcHeadPath, model.Dimensions.AudioState, tokenizer.TextTokenCount);
            if (options.Precision == Precision.Bf16)
                model.to(torch.ScalarType.BFloat16);
            model.to(device);
            model.Kernels = AttentionBackends.Create(options.Attention, device, loggers?.CreateLogger<SpeechRecognizer>());
            return new SpeechRecognizer(model, tokenizer, path, languageModel == null ? null : new LanguageModels(languageModel, words), loggers);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The language a transcription with <paramref name="options"/> is in before any detection: the one given, English
    /// for an English-only model, else null (it is detected from the audio).
    /// </summary>
    public string? KnownLanguage(DecodingOptions options) => Transcriber.LanguageBeforeDetection(Tokenizer.Special, options.Language);

    /// <summary>
    /// The language spoken in 16 kHz mono <paramref name="samples"/> and its probability among languages, judged from their
    /// first 30 s as the reference does before it transcribes (see <see cref="Transcriber.DetectLanguage(float[])"/>);
    /// English for an English-only model. A transcription names its language by its segments, so audio without speech
    /// leaves it unnamed: detect it first to know it, and give it as <see cref="DecodingOptions.Language"/>, which spares
    /// the transcription its own detection.
    /// </summary>
    public (string Language, double Probability) DetectLanguage(float[] samples) =>
        new Transcriber(_model, Tokenizer, _loggers?.CreateLogger<Transcriber>(), LanguageModels).DetectLanguage(samples);

    /// <summary>Transcribes an audio file (any format; "-" for standard input).</summary>
    public IAsyncEnumerable<Segment> TranscribeAsync(string path, DecodingOptions? options = null, CancellationToken cancellation = default) =>
        TranscribeAsync(() => AudioInput.ReadAll(path, _loggers?.CreateLogger<SpeechRecognizer>(), cancellation), options, cancellation);

    /// <summary>Transcribes 16 kHz mono samples.</summary>
    public IAsyncEnumerable<Segment> TranscribeAsync(float[] samples, DecodingOptions? options = null, CancellationToken cancellation = default) =>
        TranscribeAsync(() => samples, options, cancellation);

    async IAsyncEnumerable<Segment> TranscribeAsync(Func<float[]> read, DecodingOptions? options, [EnumeratorCancellation] CancellationToken cancellation)
    {
        options ??= new DecodingOptions();
        await Task.Yield();
        var samples = read();
        var transcriber = new Transcriber(_model, Tokenizer, _loggers?.CreateLogger<Transcriber>(), LanguageModels);
        foreach (var segment in transcriber.Transcribe(samples, options, cancellation))
        {
            yield return segment;
            await Task.Yield();
        }
    }

    /// <summary>Starts transcribing a live stream: push its audio to the result as it arrives (see <see cref="StreamingTranscriber"/>).</summary>
    public StreamingTranscriber CreateStream(StreamingOptions? options = null) =>
        new(_model, Tokenizer, options, _loggers?.CreateLogger<StreamingTranscriber>(), LanguageModels);

    static torch.Device ResolveDevice(string device)
    {
        if (device.Equals("cpu", StringComparison.OrdinalIgnoreCase))
            return torch.CPU;
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            if (!torch.cuda.is_available())
                throw new MissingDependencyException($"device {device}: CUDA is not available (no GPU, or the libtorch in use is the CPU build).");
            return torch.device(device);
        }
        throw new ArgumentException($"Unknown device \"{device}\"; use cpu or cuda.", nameof(device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        (_model.Kernels as IDisposable)?.Dispose();
        _model.Dispose();
    }
}
