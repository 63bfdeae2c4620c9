using System.Text.RegularExpressions;

namespace SpeechToText.Checkpoints;

/// <summary>
/// Named Whisper models and where they live: downloaded Hugging Face directories under the models
/// directory (<see cref="DirectoryVariable"/>, else the user's cache), fetched from the Hugging Face hub
/// layout at <see cref="EndpointVariable"/> (default https://huggingface.co).
/// </summary>
public static partial class ModelRegistry
{
    /// <summary>An environment variable that overrides the models directory.</summary>
    public const string DirectoryVariable = "STT_MODELS_DIR";

    /// <summary>An environment variable that overrides the hub address (a mirror, or a test server).</summary>
    public const string EndpointVariable = "STT_HF_ENDPOINT";

    /// <summary>The files of a Whisper checkpoint that are fetched; those marked optional may be absent.</summary>
    public static IReadOnlyList<(string File, bool Required)> Files { get; } =
    [
        ("config.json", true),
        ("generation_config.json", false),
        ("vocab.json", true),
        ("added_tokens.json", false),
        ("merges.txt", false),
        ("model.safetensors", true),
    ];

    /// <summary>Known model names and their Hugging Face repositories.</summary>
    public static IReadOnlyDictionary<string, string> Known { get; } = new Dictionary<string, string>
    {
        ["tiny.en"] = "openai/whisper-tiny.en",
        ["tiny"] = "openai/whisper-tiny",
        ["base.en"] = "openai/whisper-base.en",
        ["base"] = "openai/whisper-base",
        ["small.en"] = "openai/whisper-small.en",
        ["small"] = "openai/whisper-small",
        ["medium.en"] = "openai/whisper-medium.en",
        ["medium"] = "openai/whisper-medium",
        ["large-v1"] = "openai/whisper-large",
        ["large-v2"] = "openai/whisper-large-v2",
        ["large-v3"] = "openai/whisper-large-v3",
        ["large-v3-turbo"] = "openai/whisper-large-v3-turbo",
        ["turbo"] = "openai/whisper-large-v3-turbo",
    };

    /// <summary>The models directory.</summary>
    public static string ModelsDirectory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                ? cache
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "speechtotext", "models");

    /// <summary>The hub address.</summary>
    /// <exception cref="InvalidDataException"><see cref="EndpointVariable"/> is set to something that is not an http(s) address.</exception>
    public static Uri Endpoint =>
        Environment.GetEnvironmentVariable(EndpointVariable) is not { Length: > 0 } endpoint ? new Uri("https://huggingface.co/")
        : Uri.TryCreate(endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var address) && address.Scheme is "http" or "https" ? address
        : throw new InvalidDataException($"{EndpointVariable}={endpoint}: not an http or https address");

    /// <summary>
    /// Whether <paramref name="repository"/> is a hub repository id: owner/name, each of letters, digits, '-', '_'
    /// and '.', neither starting nor ending with '-' or '.', without "--" or "..", at most 96 characters.
    /// </summary>
    public static bool IsRepositoryId(string repository) =>
        repository.Length <= 96 && RepositoryId().IsMatch(repository) && !repository.Contains("--", StringComparison.Ordinal) && !repository.Contains("..", StringComparison.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?/[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")]
    private static partial Regex RepositoryId();

    /// <summary>Where a named model, or a hub repository (owner/name, stored as owner_name), is (or would be) stored.</summary>
    public static string PathOf(string name) => Path.Combine(ModelsDirectory, name.Replace('/', '_'));

    /// <summary>The downloaded models' directories that are not of a known name (repositories downloaded as owner/name).</summary>
    public static IEnumerable<string> OtherDownloads() =>
        Directory.Exists(ModelsDirectory)
            ? Directory.GetDirectories(ModelsDirectory).Order(StringComparer.Ordinal)
                .Where(d => !Known.ContainsKey(Path.GetFileName(d)) && IsDownloaded(Path.GetFileName(d)))
            : [];

    /// <summary>Whether the named model has been downloaded completely.</summary>
    public static bool IsDownloaded(string name) =>
        Files.Where(f => f.Required).All(f => File.Exists(Path.Combine(PathOf(name), f.File)));

    /// <summary>
    /// Resolves what --model names: an existing path as it is; a known or downloaded name to its
    /// directory in the models directory.
    /// </summary>
    /// <exception cref="InvalidDataException">Neither a path nor a downloaded model; the message says how to get it.</exception>
    public static string Resolve(string model)
    {
        if (File.Exists(model) || Directory.Exists(model))
            return model;
        if (IsDownloaded(model))
            return PathOf(model);
        if (Known.ContainsKey(model))
            throw new InvalidDataException($"{model}: not downloaded yet; run `stt models download {model}` (into {ModelsDirectory})");
        if (model.Count(c => c == '/') == 1)
            throw new InvalidDataException($"{model}: no such file or directory, and not a downloaded repository; to fetch one from the hub run `stt models download {model}`");
        throw new InvalidDataException($"{model}: no such file or directory, and not a model name ({string.Join(", ", Known.Keys)})");
    }
}
