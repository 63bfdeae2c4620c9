using System.Text;
using System.Text.RegularExpressions;
using SpeechToText.Text;

namespace SpeechToText.Training;

/// <summary>
/// English sentences from offline text in Debian packages: WordNet's glosses and usage examples
/// (wordnet-base) and fortune cookies (fortunes, fortunes-min), normalised the way the model writes
/// (<see cref="EnglishTextNormalizer"/>), 3 to 20 words, without duplicates.
/// </summary>
public static partial class SentenceSources
{
    /// <summary>Where the sources are installed on Debian.</summary>
    public static readonly string[] WordNetFiles = ["data.noun", "data.verb", "data.adj", "data.adv"];

    const string WordNetDirectory = "/usr/share/wordnet";
    const string FortunesDirectory = "/usr/share/games/fortunes";
    const int MinWords = 3, MaxWords = 20;

    /// <summary>Every usable sentence, in a fixed order.</summary>
    public static IReadOnlyList<string> Load()
    {
        var seen = new HashSet<string>();
        var sentences = new List<string>();
        foreach (string raw in WordNet().Concat(Fortunes()))
        {
            string sentence = EnglishTextNormalizer.Normalize(raw);
            int words = sentence.Count(c => c == ' ') + 1;
            if (sentence.Length > 0 && words is >= MinWords and <= MaxWords && seen.Add(sentence))
                sentences.Add(sentence);
        }
        return sentences;
    }

    /// <summary>Whether a sentence is held out of training (about 1 in <paramref name="oneIn"/>, decided by its text alone).</summary>
    public static bool IsHeldOut(string sentence, int oneIn = 40)
    {
        uint hash = 2166136261; // FNV-1a: stable across runs and platforms, unlike string.GetHashCode
        foreach (byte b in Encoding.UTF8.GetBytes(sentence))
            hash = (hash ^ b) * 16777619;
        return hash % (uint)oneIn == 0;
    }

    static IEnumerable<string> WordNet()
    {
        foreach (string file in WordNetFiles)
        {
            string path = Path.Combine(WordNetDirectory, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} is missing: install the wordnet-base package (apt-get install wordnet-base)");
            foreach (string line in File.ReadLines(path, Encoding.Latin1))
            {
                int gloss = line.IndexOf(" | ", StringComparison.Ordinal);
                if (line.StartsWith("  ", StringComparison.Ordinal) || gloss < 0)
                    continue;
                foreach (string part in line[(gloss + 3)..].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    yield return part.Trim('"', ' ');
            }
        }
    }

    static IEnumerable<string> Fortunes()
    {
        if (!Directory.Exists(FortunesDirectory))
            throw new DirectoryNotFoundException($"{FortunesDirectory} is missing: install the fortunes package (apt-get install fortunes fortunes-min)");
        foreach (string path in Directory.GetFiles(FortunesDirectory, "*.u8").Order(StringComparer.Ordinal))
        {
            foreach (string record in File.ReadAllText(path).Split("\n%\n"))
            {
                int letters = record.Count(char.IsLetter);
                if (record.Length == 0 || letters < record.Length * 0.6)
                    continue; // ASCII art and tables
                foreach (string sentence in SentenceEnd().Split(record.ReplaceLineEndings(" ")))
                    yield return sentence;
            }
        }
    }

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();
}
