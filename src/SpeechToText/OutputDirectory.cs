namespace SpeechToText;

/// <summary>Creates the directory that output is written into, naming it when a file stands in the way.</summary>
internal static class OutputDirectory
{
    /// <summary>Creates <paramref name="path"/> and its missing parents; an existing directory is left as it is.</summary>
    /// <exception cref="IOException">The path, or one of its parents, is a file; or the directory cannot be created.</exception>
    public static void Create(string path)
    {
        if (File.Exists(path))
            throw new IOException($"{path}: is a file, not a directory");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: the directory cannot be created ({e.Message})", e);
        }
    }
}
