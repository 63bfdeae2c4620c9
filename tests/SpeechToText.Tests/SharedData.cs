namespace SpeechToText.Tests;

/// <summary>
/// The project's shared reference data (Whisper's filterbanks, the oracle clip and its features).
/// Found through the STT_SHARED_DATA environment variable (set by .ci/run), else at ../shared/data
/// beside the repository. Tests that need it fail, never skip, when it is missing.
/// </summary>
internal static class SharedData
{
    public const string Variable = "STT_SHARED_DATA";

    public static string Directory { get; } = Locate();

    public static string PathOf(string relative)
    {
        string path = Path.Combine(Directory, relative);
        Assert.True(File.Exists(path), $"Reference file {path} is missing (set {Variable} to the shared data folder).");
        return path;
    }

    static string Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
            return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SpeechToText.sln")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
        }
        return Path.GetFullPath(Path.Combine("..", "shared", "data"));
    }
}
