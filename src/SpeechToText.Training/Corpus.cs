using System.Globalization;
using SpeechToText.Audio;

namespace SpeechToText.Training;

/// <summary>One recorded sentence of a corpus.</summary>
/// <param name="Path">The audio file (relative to the corpus directory in its manifest, a full path once read).</param>
/// <param name="Text">The normalised transcript.</param>
/// <param name="Voice">The voice that spoke it.</param>
/// <param name="Split">train, test-seen-voices, or test-heldout-voices.</param>
/// <param name="Seconds">Duration.</param>
public sealed record Utterance(string Path, string Text, string Voice, string Split, double Seconds);

/// <summary>
/// A synthetic speech corpus: WAV files and manifest.tsv (path, text, voice, split, seconds). Built
/// deterministically from a seed: the same seed gives the same sentences, voices and prosody.
/// Sentences held out by <see cref="SentenceSources.IsHeldOut"/> and the voices of <see cref="Voice.HeldOut"/>
/// never appear in the train split.
/// </summary>
public static class Corpus
{
    /// <summary>The split used for training.</summary>
    public const string Train = "train";

    /// <summary>Held-out sentences read by training voices.</summary>
    public const string TestSeenVoices = "test-seen-voices";

    /// <summary>Held-out sentences read by held-out voices.</summary>
    public const string TestHeldOutVoices = "test-heldout-voices";

    const string ManifestFile = "manifest.tsv", RecipeFile = "recipe.txt";

    /// <summary>The accents' generator is seeded with the corpus's seed plus this, apart from the sentences', voices' and prosody's.</summary>
    const int AccentSeedOffset = 7919;

    sealed record Job(int Index, string Text, Voice Voice, Prosody Prosody, string Split, Accent? Accent = null)
    {
        /// <summary>The voice as the manifest names it: with its accent, if any.</summary>
        public string VoiceName => Accent == null ? Voice.ToString() : $"{Voice} (accent {Accent})";
    }

    /// <summary>
    /// Synthesises a corpus into <paramref name="directory"/>. An interrupted build resumes: recordings already
    /// written by a build of the same recipe (seed, sizes, voices; kept in recipe.txt) are kept. With
    /// <paramref name="testSplitsOnly"/> it synthesises only the test splits, the very recordings the whole corpus
    /// has (every random choice is still drawn), e.g. to evaluate on a corpus without making its training split;
    /// the manifest lists them alone, and a later build of the whole corpus in the same directory keeps them.
    /// <paramref name="voices"/> read the training and seen-voice utterances (default <see cref="VoiceMix.Free"/>).
    /// A share (<paramref name="accentShare"/>) of the training utterances that espeak-ng's and MBROLA's voices read
    /// are spoken with a random <see cref="Accent"/>, drawn from a generator of their own: the sentences, voices and
    /// prosody are those of the same recipe without accents.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 0 utterances of a kind, none at all, fewer than 1 worker, or an accent share outside 0 to 1.</exception>
    /// <exception cref="InvalidDataException">The directory holds recordings of another recipe.</exception>
    public static IReadOnlyList<Utterance> Build(string directory, int trainUtterances, int testUtterances, int seed, int workers,
        bool testSplitsOnly = false, VoiceMix? voices = null, double accentShare = 0, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainUtterances);
        ArgumentOutOfRangeException.ThrowIfNegative(testUtterances);
        ArgumentOutOfRangeException.ThrowIfLessThan(testUtterances + (testSplitsOnly ? 0 : trainUtterances), 1, "utterances");
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        if (!(accentShare is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(accentShare), accentShare, "The accented share is from 0 to 1.");
        voices ??= VoiceMix.Free;
        var sentences = SentenceSources.Load();
        var random = new Random(seed);
        var train = Shuffle(sentences.Where(s => !SentenceSources.IsHeldOut(s)).ToList(), random);
        var test = Shuffle(sentences.Where(s => SentenceSources.IsHeldOut(s)).ToList(), random);
        Prosody RandomProsody() => new(0.8 + 0.45 * random.NextDouble(), 0.7 + 0.6 * random.NextDouble(), random.Next(0, 4));

        var jobs = new List<Job>();
        var accents = new Random(seed + AccentSeedOffset);
        for (int i = 0; i < trainUtterances; i++)
        {
            var voice = voices.Pick(random);
            var accent = SpeechSynthesizer.TakesAccent(voice) && accentShare > 0 && accents.NextDouble() < accentShare ? Accent.Random(accents, monophthongs: voice.Engine != "mbrola") : null;
            jobs.Add(new Job(jobs.Count, train[i % train.Count], voice, RandomProsody(), Train, accent));
        }
        for (int i = 0; i < testUtterances; i++)
            jobs.Add(new Job(jobs.Count, test[i % test.Count], voices.Pick(random), RandomProsody(), TestSeenVoices));
        for (int i = 0; i < testUtterances; i++)
        {
            var held = Voice.HeldOut[i % Voice.HeldOut.Length];
            jobs.Add(new Job(jobs.Count, test[(testUtterances + i) % test.Count], held, RandomProsody(), TestHeldOutVoices));
        }

        string accented = accentShare > 0 ? string.Create(CultureInfo.InvariantCulture, $", accent share {accentShare}") : "";
        UseRecipe(directory, $"seed {seed}, {trainUtterances} training and {testUtterances} test utterances per split, voices {voices.Description}{accented}");
        var utterances = new Utterance?[jobs.Count];
        int done = 0;
        UnwrappedParallel.ForEach(testSplitsOnly ? jobs.Where(j => j.Split != Train) : jobs, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellation }, job =>
        {
            string relative = Path.Combine("wav", job.Split, $"{job.Index:D6}.wav");
            string path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var samples = Existing(path);
            if (samples == null)
            {
                samples = Trim(SpeechSynthesizer.Speak(job.Text, job.Voice, job.Prosody, job.Accent));
                WavWriter.Write(path + ".partial", samples);
                File.Move(path + ".partial", path, overwrite: true);
            }
            utterances[job.Index] = new Utterance(relative, job.Text, job.VoiceName, job.Split, samples.Length / (double)AudioInput.SampleRate);
            progress?.Report(Interlocked.Increment(ref done));
        });
        var made = utterances.OfType<Utterance>().ToList();
        WriteManifest(directory, made);
        return made;
    }

    /// <summary>
    /// Reads a corpus: a directory with manifest.tsv (as <see cref="Build"/> writes it), or a manifest file of
    /// one's own, e.g. to fine-tune a model. Tab-separated, with a header naming the columns: <c>path</c> and
    /// <c>text</c> are required; <c>split</c> (default train), <c>voice</c> and <c>seconds</c> (measured when
    /// absent) are optional. Paths are relative to the manifest's directory; the utterances returned carry
    /// full paths.
    /// </summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidDataException">A header without path or text, or a malformed line (named by number).</exception>
    public static IReadOnlyList<Utterance> Read(string path)
    {
        string manifest = ManifestPath(path);
        if (!File.Exists(manifest))
            throw new FileNotFoundException($"{manifest}: no manifest; build a corpus with `stt corpus`, or write a TSV with path and text columns", manifest);
        string directory = ManifestDirectory(path);
        var lines = File.ReadLines(manifest).Select((text, index) => (Text: text, Number: index + 1)).Where(l => l.Text.Length > 0).ToList();
        var header = lines.Count > 0 ? lines[0].Text.Split('\t') : [];
        int Column(string name) => Array.IndexOf(header, name);
        int pathColumn = Column("path"), textColumn = Column("text"), splitColumn = Column("split"), voiceColumn = Column("voice"), secondsColumn = Column("seconds");
        if (pathColumn < 0 || textColumn < 0)
            throw new InvalidDataException($"{manifest}: the first line must name the columns, including path and text (tab-separated)");
        var utterances = new List<Utterance>();
        foreach (var (text, number) in lines.Skip(1))
        {
            var fields = text.Split('\t');
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{manifest}:{number}: {fields.Length} fields; the header has {header.Length}");
            string file = Path.GetFullPath(Path.Combine(directory, fields[pathColumn]));
            double seconds;
            if (secondsColumn < 0)
                seconds = AudioInput.ReadAll(file).Length / (double)AudioInput.SampleRate;
            else if (!double.TryParse(fields[secondsColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !(seconds >= 0))
                throw new InvalidDataException($"{manifest}:{number}: seconds \"{fields[secondsColumn]}\" is not a duration");
            utterances.Add(new Utterance(file, fields[textColumn], voiceColumn < 0 ? "" : fields[voiceColumn],
                splitColumn < 0 ? Train : fields[splitColumn], seconds));
        }
        return utterances;
    }

    /// <summary>The directory that a manifest's paths are relative to, for a corpus directory or a manifest file (as <see cref="Read"/> takes).</summary>
    public static string ManifestDirectory(string path) => Path.GetDirectoryName(Path.GetFullPath(ManifestPath(path)))!;

    /// <summary>The manifest file of a corpus directory or a manifest file (as <see cref="Read"/> takes).</summary>
    public static string ManifestPath(string path) => Directory.Exists(path) ? Path.Combine(path, ManifestFile) : path;

    /// <summary>Records the recipe of a new corpus directory, or checks that an existing one was built with it.</summary>
    static void UseRecipe(string directory, string recipe)
    {
        OutputDirectory.Create(directory);
        string path = Path.Combine(directory, RecipeFile);
        if (File.Exists(path))
        {
            string existing = File.ReadAllText(path).Trim();
            if (existing != recipe)
            {
                string Short(string r) => r.Split(", voices", 2)[0];
                string difference = Short(existing) == Short(recipe) ? "other voices" : Short(existing);
                throw new InvalidDataException($"{directory} holds a corpus of another recipe ({difference}); choose another directory");
            }
            return;
        }
        if (Directory.Exists(Path.Combine(directory, "wav")))
            throw new InvalidDataException($"{directory} holds recordings without {RecipeFile}; choose another directory");
        File.WriteAllText(path, recipe + "\n");
    }

    /// <summary>A recording kept from an interrupted build, or null when there is none, or it is cut short or unreadable.</summary>
    static float[]? Existing(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var reader = WavReader.Open(path);
            var samples = reader.ReadToEnd();
            return reader.Truncated || reader.SampleRate != AudioInput.SampleRate ? null : samples;
        }
        catch (Exception e) when (e is InvalidDataException or AudioInputException or IOException)
        {
            return null;
        }
    }

    static void WriteManifest(string directory, IEnumerable<Utterance> utterances)
    {
        using var writer = new StreamWriter(Path.Combine(directory, ManifestFile));
        writer.WriteLine("path\ttext\tvoice\tsplit\tseconds");
        foreach (var u in utterances)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{u.Path}\t{u.Text}\t{u.Voice}\t{u.Split}\t{u.Seconds:F3}"));
    }

    /// <summary>Removes leading and trailing silence, keeping 0.1 s on each side.</summary>
    static float[] Trim(float[] samples)
    {
        const float Threshold = 0.01f;
        const int Margin = AudioInput.SampleRate / 10;
        int first = Array.FindIndex(samples, s => Math.Abs(s) > Threshold);
        int last = Array.FindLastIndex(samples, s => Math.Abs(s) > Threshold);
        if (first < 0)
            return samples;
        first = Math.Max(0, first - Margin);
        last = Math.Min(samples.Length - 1, last + Margin);
        return samples[first..(last + 1)];
    }

    static List<string> Shuffle(List<string> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }
}
