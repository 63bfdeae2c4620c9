namespace SpeechToText;

/// <summary>Writes a file that appears complete or not at all.</summary>
internal static class WholeFile
{
    /// <summary>
    /// Writes <paramref name="path"/> with <paramref name="write"/>: into a file beside it, then renamed over it, so
    /// that a failure leaves the old file (or none) and no partial one.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string partial = path + ".partial";
        try
        {
            using (var file = File.Create(partial))
                write(file);
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
