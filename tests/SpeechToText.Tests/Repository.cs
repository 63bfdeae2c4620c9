namespace SpeechToText.Tests;

/// <summary>The source tree the tests run from (bundled model, sample recordings).</summary>
internal static class Repository
{
    /// <summary>The directory holding SpeechToText.sln, above the test binaries.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SpeechToText.sln")))
                    return dir.FullName;
            }
            throw new DirectoryNotFoundException("The repository root (SpeechToText.sln) was not found above the test binaries.");
        }
    }

    /// <summary>The bundled model: the one directory under models/ that holds a config.json.</summary>
    public static string BundledModel =>
        Directory.GetDirectories(Path.Combine(Root, "models")).Single(d => File.Exists(Path.Combine(d, "config.json")));

    /// <summary>A bundled sample recording under audio/.</summary>
    public static string Sample(string name) => Path.Combine(Root, "audio", name);
}
