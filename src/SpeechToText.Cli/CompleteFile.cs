namespace SpeechToText.Cli;

/// <summary>Writes an output file whole or not at all: to FILE.partial, moved over FILE once written.</summary>
internal static class CompleteFile
{
    /// <summary>Lets <paramref name="write"/> write the text of <paramref name="path"/>, then moves it into place.</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        using (var file = new StreamWriter(path + ".partial"))
            write(file);
        File.Move(path + ".partial", path, overwrite: true);
    }
}
