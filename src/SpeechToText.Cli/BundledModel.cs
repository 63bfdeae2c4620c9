namespace SpeechToText.Cli;

/// <summary>
/// The default model that ships with SpeechToText: the first directory under models/ (beside the program,
/// or in the source tree above it) that holds a config.json.
/// </summary>
internal static class BundledModel
{
    /// <summary>The bundled model's directory, or null when none is installed.</summary>
    public static string? Path
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string models = System.IO.Path.Combine(dir.FullName, "models");
                if (!Directory.Exists(models))
                    continue;
                var model = Directory.GetDirectories(models).Order(StringComparer.Ordinal)
                    .FirstOrDefault(d => File.Exists(System.IO.Path.Combine(d, "config.json")));
                if (model != null)
                    return model;
            }
            return null;
        }
    }
}
