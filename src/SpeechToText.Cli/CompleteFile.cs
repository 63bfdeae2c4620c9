namespace SpeechToText.Cli;

/// <summary>Writes an output file whole or not at all: to FILE.partial, moved over FILE once written.</summary>
internal static class CompleteFile
{
    /// <summary>
    /// Fails now, naming <paramref name="path"/>, if it could not be written later (its directory is missing or
    /// not writable): before hours of work whose result it is to hold.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written; the message says why.</exception>
    public static void CheckWritable(string path)
    {
        if (Directory.Exists(path))
            throw new IOException($"{path}: is a directory, not a file");
        try
        {
            using (File.Create(path + ".partial"))
            {
            }
            File.Delete(path + ".partial");
        }
        catch (DirectoryNotFoundException e)
        {
            throw new IOException($"{path}: its directory does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot be written ({e.Message})", e);
        }
    }

    /// <summary>Lets <paramref name="write"/> write the text of <paramref name="path"/>, then moves it into place.</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        using (var file = new StreamWriter(path + ".partial"))
            write(file);
        File.Move(path + ".partial", path, overwrite: true);
    }
}
