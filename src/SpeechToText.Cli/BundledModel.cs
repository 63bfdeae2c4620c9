using SpeechToText.Checkpoints;

namespace SpeechToText.Cli;

/// <summary>
/// The default model that ships with SpeechToText: the first directory under models/ (beside the program,
/// or in the source tree above it) that holds a config.json; and the sample recordings under audio/.
/// </summary>
internal static class BundledModel
{
    /// <summary>The bundled model's directory, or null when none is installed.</summary>
    public static string? Path =>
        Ancestors().Select(dir => System.IO.Path.Combine(dir, "models")).Where(Directory.Exists)
            .Select(models => Directory.GetDirectories(models).Order(StringComparer.Ordinal)
                .FirstOrDefault(d => File.Exists(System.IO.Path.Combine(d, "config.json"))))
            .FirstOrDefault(model => model != null);

    /// <summary>The model <c>--model</c> names (see <see cref="ModelRegistry.Resolve"/>), or the bundled one when it names none.</summary>
    /// <exception cref="UsageException">No model named, and none bundled.</exception>
    public static string Or(string? given) =>
        given is { } name ? ModelRegistry.Resolve(name)
            : Path ?? throw new UsageException("no --model given, and no bundled default model is installed");

    /// <summary>The bundled sample recording <paramref name="name"/> (under audio/), or null when it is not installed.</summary>
    public static string? Sample(string name) =>
        Ancestors().Select(dir => System.IO.Path.Combine(dir, "audio", name)).FirstOrDefault(File.Exists);

    static IEnumerable<string> Ancestors()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            yield return dir.FullName;
    }
}
