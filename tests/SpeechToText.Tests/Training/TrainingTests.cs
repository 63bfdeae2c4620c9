using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechToText.Checkpoints;
using SpeechToText.Modeling;
using SpeechToText.Text;
using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

public sealed class TrainingTests : IDisposable
{
    /// <summary>The sentence the synthesiser tests have each engine speak.</summary>
    const string Sentence = "the direction in which a compass needle points";

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_corpus_is_deterministic_and_keeps_held_out_sentences_and_voices_out_of_training()
    {
        var first = Corpus.Build(_temp.File("a"), trainUtterances: 12, testUtterances: 4, seed: 3, workers: 2);
        var second = Corpus.Build(_temp.File("b"), trainUtterances: 12, testUtterances: 4, seed: 3, workers: 2);

        Assert.Equal(first.Select(u => (u.Text, u.Voice)), second.Select(u => (u.Text, u.Voice)));
        var train = first.Where(u => u.Split == Corpus.Train).ToList();
        Assert.Equal(12, train.Count);
        Assert.All(train, u => Assert.False(SentenceSources.IsHeldOut(u.Text)));
        Assert.All(train, u => Assert.DoesNotContain(Voice.HeldOut, v => u.Voice == v.ToString() || u.Voice.StartsWith(v + "+", StringComparison.Ordinal)));
        Assert.All(first.Where(u => u.Split != Corpus.Train), u => Assert.True(SentenceSources.IsHeldOut(u.Text)));
        Assert.All(first.Where(u => u.Split == Corpus.TestHeldOutVoices), u => Assert.Contains(Voice.HeldOut, v => u.Voice == v.ToString()));
        Assert.All(first, u => Assert.Equal(u.Text, EnglishTextNormalizer.Normalize(u.Text)));
        Assert.All(first, u => Assert.InRange(u.Seconds, 0.3, 20));
        Assert.All(first, u => Assert.DoesNotContain("festival-ca", u.Voice, StringComparison.Ordinal));
    }

    [Fact]
    public void A_corpus_that_asks_for_the_Catalan_voice_has_it_read_some_training_utterances_and_no_held_out_ones()
    {
        var utterances = Corpus.Build(_temp.File("catalan"), trainUtterances: 12, testUtterances: 2, seed: 3, workers: 2, voices: new VoiceMix(VoiceMix.CatalanEngineShare));

        Assert.Contains(utterances, u => u.Split == Corpus.Train && u.Voice == "festival-ca:upc_ca_ona_hts");
        Assert.DoesNotContain(utterances, u => u.Split == Corpus.TestHeldOutVoices && u.Voice.StartsWith("festival-ca", StringComparison.Ordinal));
        Assert.All(utterances, u => Assert.InRange(u.Seconds, 0.3, 20));
    }

    [Fact]
    public void An_interrupted_corpus_build_resumes_keeping_what_it_wrote_and_refuses_another_recipe()
    {
        string directory = _temp.File("resumed");
        var first = Corpus.Build(directory, trainUtterances: 4, testUtterances: 1, seed: 3, workers: 2);
        var kept = Path.Combine(directory, first[0].Path);
        var lost = Path.Combine(directory, first[1].Path);
        var keptTime = File.GetLastWriteTimeUtc(kept);
        var cut = Path.Combine(directory, first[2].Path);
        File.Delete(lost);
        using (var file = File.OpenWrite(cut))
            file.SetLength(file.Length / 2); // as a build killed while writing it leaves it
        File.Delete(Path.Combine(directory, "manifest.tsv"));

        var resumed = Corpus.Build(directory, trainUtterances: 4, testUtterances: 1, seed: 3, workers: 2);

        Assert.Equal(first, resumed);
        Assert.Equal(keptTime, File.GetLastWriteTimeUtc(kept));
        Assert.True(File.Exists(lost));
        Assert.Equal(first[2].Seconds, resumed[2].Seconds); // the cut recording was made again
        var error = Assert.Throws<InvalidDataException>(() => Corpus.Build(directory, trainUtterances: 5, testUtterances: 1, seed: 3, workers: 2));
        Assert.Contains("another recipe", error.Message);
    }

    [Fact]
    public void A_recording_that_cannot_be_written_stops_the_build_with_that_failure_itself()
    {
        string directory = _temp.File("unwritable");
        var first = Corpus.Build(directory, trainUtterances: 2, testUtterances: 1, seed: 3, workers: 2);
        string blocked = Path.Combine(directory, first[0].Path);
        File.Delete(blocked);
        Directory.CreateDirectory(blocked + ".partial"); // where the recording is written before it is moved into place

        var error = Record.Exception(() => Corpus.Build(directory, trainUtterances: 2, testUtterances: 1, seed: 3, workers: 2));

        Assert.True(error is IOException or UnauthorizedAccessException, $"{error?.GetType().Name}: {error?.Message}"); // an input error, not an internal one
        Assert.Contains(blocked + ".partial", error!.Message);
    }

    [Theory]
    [InlineData(-1, 1, 1)]
    [InlineData(1, -1, 1)]
    [InlineData(0, 0, 1)]
    [InlineData(1, 1, 0)]
    public void Impossible_corpus_sizes_or_workers_are_refused_before_anything_is_written(int train, int test, int workers)
    {
        string directory = _temp.File($"impossible{train}{test}{workers}");

        Assert.Throws<ArgumentOutOfRangeException>(() => Corpus.Build(directory, train, test, seed: 1, workers));

        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void The_test_splits_alone_are_the_recordings_the_whole_corpus_has_and_a_later_whole_build_keeps_them()
    {
        string whole = _temp.File("whole"), tests = _temp.File("tests");
        var all = Corpus.Build(whole, trainUtterances: 6, testUtterances: 2, seed: 4, workers: 2);

        var testOnly = Corpus.Build(tests, trainUtterances: 6, testUtterances: 2, seed: 4, workers: 2, testSplitsOnly: true);

        var expected = all.Where(u => u.Split != Corpus.Train).ToList();
        Assert.Equal(expected, testOnly);
        Assert.Equal(expected.Select(u => (Path.Combine(tests, u.Path), u.Text, u.Split)), Corpus.Read(tests).Select(u => (u.Path, u.Text, u.Split)));
        Assert.All(expected, u => Assert.Equal(File.ReadAllBytes(Path.Combine(whole, u.Path)), File.ReadAllBytes(Path.Combine(tests, u.Path))));
        Assert.False(Directory.Exists(Path.Combine(tests, "wav", Corpus.Train)));
        var keptTime = File.GetLastWriteTimeUtc(Path.Combine(tests, expected[0].Path));

        Assert.Equal(all, Corpus.Build(tests, trainUtterances: 6, testUtterances: 2, seed: 4, workers: 2));
        Assert.Equal(keptTime, File.GetLastWriteTimeUtc(Path.Combine(tests, expected[0].Path)));
    }

    [Fact]
    public void Training_voices_are_drawn_engine_first_so_that_each_engine_speaks_a_third_of_a_corpus()
    {
        var random = new Random(1);
        var voices = Enumerable.Range(0, 60_000).Select(_ => VoiceMix.Free.Pick(random)).ToList();

        foreach (string engine in new[] { "espeak-ng", "flite", "festival" })
            Assert.InRange(voices.Count(v => v.Engine == engine), 19_000, 21_000);
        Assert.All(voices, v => Assert.False(v.IsHeldOut, v.ToString()));
        Assert.Equal(Voice.Training.Count, voices.Distinct().Count());
    }

    [Fact]
    public void With_the_Catalan_voice_each_of_four_engines_speaks_a_quarter_of_a_corpus()
    {
        var random = new Random(1);
        var voices = Enumerable.Range(0, 60_000).Select(_ => new VoiceMix(VoiceMix.CatalanEngineShare).Pick(random)).ToList();

        foreach (string engine in new[] { "espeak-ng", "flite", "festival", "festival-ca" })
            Assert.InRange(voices.Count(v => v.Engine == engine), 14_000, 16_000);
        Assert.All(voices, v => Assert.False(v.IsHeldOut, v.ToString()));
        Assert.Equal(Voice.TrainingWithCatalan.Count, voices.Distinct().Count());
    }

    [Fact]
    public void At_a_tenth_the_Catalan_voice_speaks_a_tenth_of_a_corpus_and_the_english_engines_share_the_rest()
    {
        var random = new Random(1);
        var voices = Enumerable.Range(0, 60_000).Select(_ => new VoiceMix(catalanShare: 0.1).Pick(random)).ToList();

        Assert.InRange(voices.Count(v => v.Engine == "festival-ca"), 5_400, 6_600);
        foreach (string engine in new[] { "espeak-ng", "flite", "festival" })
            Assert.InRange(voices.Count(v => v.Engine == engine), 17_000, 19_000);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiceMix(catalanShare: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VoiceMix(catalanShare: -0.1));
    }

    [Fact]
    public void With_the_non_free_voices_each_of_six_engines_speaks_a_sixth_of_a_corpus_and_none_is_a_held_out_speaker()
    {
        var random = new Random(1);
        var voices = Enumerable.Range(0, 60_000).Select(_ => new VoiceMix(nonFree: true).Pick(random)).ToList();

        foreach (string engine in new[] { "espeak-ng", "flite", "festival", "pico", "rhvoice", "mbrola" })
            Assert.InRange(voices.Count(v => v.Engine == engine), 9_400, 10_600);
        Assert.All(voices, v => Assert.False(v.IsHeldOut, v.ToString()));
        Assert.DoesNotContain(voices, v => v.Name == "slt"); // RHVoice's slt is the held-out flite voice's speaker
        Assert.Equal(Voice.Training.Count + Voice.NonFree.Count, voices.Distinct().Count());
    }

    [Fact]
    public void With_the_non_free_voices_the_Catalan_voice_speaks_its_share_and_the_six_engines_the_rest()
    {
        var random = new Random(1);
        var voices = Enumerable.Range(0, 60_000).Select(_ => new VoiceMix(VoiceMix.CatalanEngineShare, nonFree: true).Pick(random)).ToList();

        Assert.InRange(voices.Count(v => v.Engine == "festival-ca"), 14_000, 16_000);
        foreach (string engine in new[] { "espeak-ng", "flite", "festival", "pico", "rhvoice", "mbrola" })
            Assert.InRange(voices.Count(v => v.Engine == engine), 7_000, 8_000);
    }

    [Fact]
    public void Pico_reads_its_markup_characters_in_the_text_as_text()
    {
        string markup = SpeechSynthesizer.PicoMarkup("at&t's <b> price", new Prosody(Rate: 1.2, Pitch: 0.8, WordGap: 0));

        Assert.Equal("<speed level='120'><pitch level='80'>at&amp;t&apos;s &lt;b&gt; price</pitch></speed>", markup);
    }

    [Fact]
    public void Every_espeak_variant_of_the_training_voices_is_installed()
    {
        var listing = new System.Diagnostics.ProcessStartInfo("espeak-ng", "--voices=variant") { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(listing)!;
        var installed = process.StandardOutput.ReadToEnd().Split('\n').Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 5 && fields[4].StartsWith("!v/", StringComparison.Ordinal)).Select(fields => fields[4][3..]).ToHashSet();
        process.WaitForExit();

        Assert.Equal(101, installed.Count);
        Assert.All(Voice.EspeakVariants.Where(v => v.Length > 0), variant => Assert.Contains(variant, installed));
    }

    [Theory]
    [InlineData("espeak-ng", "en-gb+f3")]
    [InlineData("flite", "awb")]
    [InlineData("festival", "kal_diphone")]
    [InlineData("festival", "ked_diphone")]
    [InlineData("festival-ca", "upc_ca_ona_hts")]
    public void Every_engine_speaks_slower_at_a_lower_rate(string engine, string name)
    {
        var voice = new Voice(engine, name);

        var slow = SpeechSynthesizer.Speak(Sentence, voice, new Prosody(0.8, 0.8, 0));
        var fast = SpeechSynthesizer.Speak(Sentence, voice, new Prosody(1.25, 1.2, 0));

        Assert.InRange(fast.Length / 16000.0, 1.0, 4.0);
        Assert.True(slow.Length > 1.3 * fast.Length, $"{voice}: {slow.Length} samples at rate 0.8, {fast.Length} at 1.25");
        Assert.True(fast.Max(Math.Abs) > 0.05f, $"{voice}: silent");
    }

    [Fact]
    public void An_MBROLA_voice_whose_database_is_missing_is_a_missing_dependency_naming_the_install_script()
    {
        // espeak-ng knows mb-de1; its German database is never installed here (scripts/install-voices installs the English ones)
        var missing = Assert.Throws<MissingDependencyException>(() => SpeechSynthesizer.Speak(Sentence, new Voice("mbrola", "mb-de1"), new Prosody(1, 1, 0)));

        Assert.Contains("mb-de1", missing.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/install-voices", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("espeak-ng", "en-us")]
    [InlineData("espeak-ng", "en-gb+f3")]
    [InlineData("flite", "awb")]
    [InlineData("festival", "kal_diphone")]
    [InlineData("festival-ca", "upc_ca_ona_hts")]
    public void Every_engine_speaks_higher_at_a_higher_pitch_across_most_of_an_octave(string engine, string name)
    {
        var voice = new Voice(engine, name);

        double low = MedianFundamentalFrequency(SpeechSynthesizer.Speak(Sentence, voice, new Prosody(1, 0.7, 0)));
        double high = MedianFundamentalFrequency(SpeechSynthesizer.Speak(Sentence, voice, new Prosody(1, 1.3, 0)));

        Assert.True(high > 1.6 * low, $"{voice}: median F0 {low:F0} Hz at pitch 0.7, {high:F0} Hz at 1.3");
    }

    [Theory]
    [InlineData("(\"patient\")", "(\"patient\" nil (((p e1 j) 1) ((S ax n t) 0)))")]      // English stress and syllables; sh is S
    [InlineData("(\"the\")", "(\"the\" nil (((d ax) 0)))")]                               // dh is d (Catalan's own rules: t ax)
    [InlineData("(\"have\")", "(\"have\" nil (((E1 b) 1)))")]                             // no h; v is b
    [InlineData("(\"o'clock\" \"oclock\")", "(\"o'clock\" nil (((ax) 0) ((k l a1 k) 1)))")] // the lexicon knows only the spelling without the apostrophe
    public void The_Catalan_voice_is_given_each_words_English_pronunciation_in_Catalan_phones(string spellings, string entry)
    {
        string script = Path.Combine(Path.GetTempPath(), $"stt-test-{Guid.NewGuid():N}.scm");
        File.WriteAllText(script, SpeechSynthesizer.EnglishInCatalan + $"(voice_kal_diphone)\n(print (stt_catalan_entry '{spellings}))\n");
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("festival", ["-b", script]) { RedirectStandardOutput = true };
            using var festival = System.Diagnostics.Process.Start(start)!;
            string printed = festival.StandardOutput.ReadToEnd().Trim();
            festival.WaitForExit();

            Assert.Equal(entry, printed);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// The median fundamental frequency (Hz) of the voiced 40 ms frames of 16 kHz speech: per frame, the lag
    /// between 2.5 and 20 ms (50 to 400 Hz) where the normalised autocorrelation first comes within 10% of its
    /// peak (the shortest period, not a multiple of it), if the peak is above 0.5.
    /// </summary>
    static double MedianFundamentalFrequency(float[] samples)
    {
        const int Frame = 640, MinLag = 40, MaxLag = 320;
        float loudest = samples.Max(Math.Abs);
        var estimates = new List<double>();
        for (int start = 0; start + Frame + MaxLag <= samples.Length; start += Frame / 2)
        {
            if (samples.AsSpan(start, Frame).ToArray().Max(Math.Abs) < 0.2f * loudest)
                continue;
            double energy = 0;
            for (int i = start; i < start + Frame; i++)
                energy += samples[i] * samples[i];
            var correlations = new double[MaxLag + 1];
            for (int lag = MinLag; lag <= MaxLag; lag++)
            {
                double product = 0, shiftedEnergy = 0;
                for (int i = start; i < start + Frame; i++)
                {
                    product += samples[i] * samples[i + lag];
                    shiftedEnergy += samples[i + lag] * samples[i + lag];
                }
                correlations[lag] = product / Math.Sqrt(energy * shiftedEnergy + 1e-12);
            }
            double best = correlations.Max();
            int bestLag = best > 0.5 ? Array.FindIndex(correlations, c => c >= 0.9 * best) : 0;
            if (bestLag > 0)
                estimates.Add(16000.0 / bestLag);
        }
        Assert.True(estimates.Count >= 5, $"only {estimates.Count} voiced frames");
        estimates.Sort();
        return estimates[estimates.Count / 2];
    }

    /// <summary>
    /// A run of <paramref name="steps"/> steps of a tiny model (width 64, one block each) on <paramref name="corpus"/>,
    /// one warm-up step, no validation but the one at its end (on one utterance).
    /// </summary>
    static TrainingOptions TinyRun(string corpus, string output, int steps) => new()
    {
        CorpusDirectory = corpus, OutputDirectory = output, Steps = steps, WarmupSteps = 1, Width = 64, EncoderLayers = 1,
        DecoderLayers = 1, MaxBatchFrames = 4000, ValidateEvery = 1000, ValidationUtterances = 1,
    };

    [Fact]
    public void With_the_end_of_audio_tail_an_examples_features_are_followed_by_zero_frames_half_as_many()
    {
        using var model = new WhisperModel(new ModelDimensions(80, 1000, 64, 1, 1, 30, 448, 64, 1, 1)) { VariableLengthAudio = true };
        var noise = new Random(3);
        var example = new Trainer.Example("a", [.. Enumerable.Range(0, 16000).Select(_ => (float)(noise.NextDouble() - 0.5))]);

        var (plain, frames) = Trainer.Features(model, example, tail: false, augment: null);
        var (tailed, width) = Trainer.Features(model, example, tail: true, augment: null);

        Assert.Equal(frames + (frames + 1) / 2, width);
        for (int bin = 0; bin < 80; bin++)
        {
            Assert.Equal(plain.AsSpan(bin * frames, frames), tailed.AsSpan(bin * width, frames));
            Assert.All(tailed.AsSpan(bin * width + frames, width - frames).ToArray(), value => Assert.Equal(0f, value));
        }
    }

    [Fact]
    public void A_few_steps_on_a_few_utterances_lower_the_loss_and_a_run_resumes_from_its_checkpoint()
    {
        string corpus = _temp.File("corpus"), output = _temp.File("run");
        Corpus.Build(corpus, trainUtterances: 8, testUtterances: 2, seed: 5, workers: 2);
        var options = TinyRun(corpus, output, steps: 40) with { WarmupSteps = 5, ValidationUtterances = 2, PeakLearningRate = 3e-3, JoinProbability = 0 };

        new Trainer(options, NullLogger.Instance).Run();
        var losses = File.ReadLines(Path.Combine(output, "train_log.tsv")).Skip(1)
            .Select(l => double.Parse(l.Split('\t')[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(40, losses.Count);
        Assert.True(losses.TakeLast(8).Average() < losses.Take(8).Average() - 0.2, $"loss went from {losses.Take(8).Average():F2} to {losses.TakeLast(8).Average():F2}");

        var saved = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        new Trainer(options with { Steps = 42 }, NullLogger.Instance).Run();
        Assert.Equal(42, File.ReadLines(Path.Combine(output, "train_log.tsv")).Count() - 1);
        Assert.Contains("\"Step\":42", File.ReadAllText(Path.Combine(output, "training_state.json")));
        Assert.True(File.Exists(Path.Combine(output, "loss.png")));
        var validation = File.ReadAllLines(Path.Combine(output, "validation.tsv"));
        Assert.Equal("step\tloss\twer_attention\twer_ctc", validation[0]);
        Assert.All(validation.Skip(1), row => Assert.InRange(double.Parse(row.Split('\t')[1], CultureInfo.InvariantCulture), 0.01, 10));

        // The checkpoint is a model the library loads, and it carries what it was trained from.
        using var recognizer = SpeechRecognizer.Load(Path.Combine(output, "model"));
        Assert.Equal(ModelRecipe.Characters.Length + 2, recognizer.Dimensions.VocabularySize);
        Assert.NotEmpty(saved);
    }

    [Fact]
    public void At_a_share_of_examples_without_speech_such_examples_have_the_utterance_s_length_and_an_empty_transcript()
    {
        var options = new TrainingOptions { CorpusDirectory = "unused", OutputDirectory = "unused", NoSpeechShare = 0.5, JoinProbability = 0 };
        var utterance = new Utterance(SharedData.PathOf("oracle/jfk.wav"), "and so my fellow americans", "", Corpus.Train, 2.0);
        var random = new Random(3);

        var examples = Enumerable.Range(0, 40).Select(_ => new Trainer(options, NullLogger.Instance).Load(utterance, [utterance], 3000, random)).ToList();

        var silent = examples.Where(e => e.Text.Length == 0).ToList();
        Assert.InRange(silent.Count, 10, 30);
        Assert.All(silent, e => Assert.InRange(e.Samples.Length, 16000 * 2 / 1.1 - 100, 16000 * 2 / 0.9 + 100)); // speed perturbed as speech is
        Assert.All(examples.Except(silent), e => Assert.Equal(utterance.Text, e.Text));
    }

    [Fact]
    public void A_transcript_without_text_weighs_in_the_cross_entropy_as_the_batch_s_mean_transcript_does()
    {
        Assert.Equal((4 + 6) / 2.0, Trainer.EmptyTranscriptWeight([[1, 2, 3], [], [1, 2, 3, 4, 5]])); // tokens and the end
        Assert.Equal(1, Trainer.EmptyTranscriptWeight([[], []]));
    }

    [Fact]
    public void A_run_with_examples_without_speech_has_finite_losses()
    {
        string corpus = _temp.File("corpus"), output = _temp.File("run");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 6) with { WarmupSteps = 2, PeakLearningRate = 3e-3, JoinProbability = 0, NoSpeechShare = 0.9 };

        new Trainer(options, NullLogger.Instance).Run();

        var rows = File.ReadLines(Path.Combine(output, "train_log.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(6, rows.Count);
        Assert.All(rows, f => Assert.All(f[2..5], value => Assert.True(double.IsFinite(double.Parse(value, CultureInfo.InvariantCulture)), string.Join(" ", f))));
    }

    [Fact]
    public void An_unreadable_training_recording_stops_the_run_with_an_error_naming_it()
    {
        string corpus = _temp.File("corpus4"), output = _temp.File("run4");
        var recorded = Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 9, workers: 2);
        string broken = Path.Combine(corpus, recorded.First(u => u.Split == Corpus.Train).Path);
        File.WriteAllBytes(broken, [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 1, 2]);
        var options = TinyRun(corpus, output, steps: 2) with { MaxBatchFrames = 100_000 };

        var error = Record.Exception(() => new Trainer(options, NullLogger.Instance).Run());

        Assert.NotNull(error);
        Assert.IsNotType<AggregateException>(error);
        Assert.Contains(Path.GetFileName(broken), error.Message);
    }

    [Fact]
    public void A_resumed_run_starts_from_exactly_the_saved_weights_and_optimiser_moments()
    {
        string corpus = _temp.File("corpus2"), output = _temp.File("run2");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 3);
        new Trainer(options, NullLogger.Instance).Run();
        var saved = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        var moments = SafeTensorsFile.Read(Path.Combine(output, "optimizer.safetensors"));
        // Where runs saved before kept the CTC head: beside the model directory, not in it.
        string head = Path.Combine(output, "model", "ctc_head.safetensors"), besideModel = Path.Combine(output, "ctc_head.safetensors");
        byte[] headBytes = File.ReadAllBytes(head);
        File.Move(head, besideModel);

        // A run whose schedule is already complete only loads, validates and saves again.
        new Trainer(options, NullLogger.Instance).Run();
        var again = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        var momentsAgain = SafeTensorsFile.Read(Path.Combine(output, "optimizer.safetensors"));

        Assert.Equal(headBytes, File.ReadAllBytes(head));
        Assert.False(File.Exists(besideModel));

        foreach (var (name, tensor) in saved)
            Assert.True(tensor.eq(again[name]).all().item<bool>(), name);
        Assert.Equal(3, (int)moments["step"].item<float>());
        Assert.True(moments["0.exp_avg_sq"].abs().sum().item<float>() > 0);
        foreach (var (name, tensor) in moments)
            Assert.True(tensor.eq(momentsAgain[name]).all().item<bool>(), name);
    }

    [Fact]
    public void A_saved_run_with_a_damaged_state_or_ctc_head_is_refused_naming_the_file()
    {
        string corpus = _temp.File("corpus7"), output = _temp.File("damaged");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 1, seed: 7, workers: 2);
        var options = TinyRun(corpus, output, steps: 1);
        new Trainer(options, NullLogger.Instance).Run();
        string state = Path.Combine(output, "training_state.json"), ctcHead = Path.Combine(output, "model", "ctc_head.safetensors");
        string saved = File.ReadAllText(state);

        File.WriteAllText(state, saved[..(saved.Length / 2)]); // as an interrupted write would leave it
        var truncated = Assert.Throws<InvalidDataException>(() => new Trainer(options, NullLogger.Instance).Run());
        File.WriteAllText(state, saved);
        var weights = SafeTensorsFile.Read(ctcHead);
        SafeTensorsFile.Write(ctcHead, new Dictionary<string, TorchSharp.torch.Tensor> { ["weight"] = weights["weight"] });
        var headless = Assert.Throws<InvalidDataException>(() => new Trainer(options, NullLogger.Instance).Run());

        Assert.StartsWith(state + ": not a training state", truncated.Message);
        Assert.StartsWith(ctcHead + ": the CTC head's bias must have shape [", headless.Message);
        Assert.EndsWith("it has none", headless.Message);

        // An emptied validation log is begun again rather than failing the run at its first validation.
        SafeTensorsFile.Write(ctcHead, weights);
        File.WriteAllText(Path.Combine(output, "validation.tsv"), "");
        new Trainer(options, NullLogger.Instance).Run();
        Assert.Equal("step\tloss\twer_attention\twer_ctc", File.ReadLines(Path.Combine(output, "validation.tsv")).First());
    }

    [Fact]
    public void A_run_resumed_without_its_optimiser_moments_warms_up_again_and_one_with_them_does_not()
    {
        string corpus = _temp.File("corpus3"), withMoments = _temp.File("with"), without = _temp.File("without");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 8, workers: 2);
        var options = TinyRun(corpus, withMoments, steps: 3) with { WarmupSteps = 2 };
        new Trainer(options, NullLogger.Instance).Run();
        Directory.CreateDirectory(without);
        foreach (string file in Directory.EnumerateFiles(withMoments, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(without, Path.GetRelativePath(withMoments, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        File.Delete(Path.Combine(without, "optimizer.safetensors"));

        new Trainer(options with { Steps = 5 }, NullLogger.Instance).Run();
        new Trainer(options with { Steps = 5, OutputDirectory = without }, NullLogger.Instance).Run();

        double FourthStepRate(string run) => double.Parse(
            File.ReadLines(Path.Combine(run, "train_log.tsv")).Skip(4).First().Split('\t')[5], CultureInfo.InvariantCulture);
        Assert.Equal(FourthStepRate(withMoments) / options.WarmupSteps, FourthStepRate(without), 1e-9);
    }

    [Theory]
    [InlineData(3, null, "model.encoder.layers.2.fc2.weight")]
    [InlineData(null, 3, "model.decoder.layers.2.encoder_attn.out_proj.weight")]
    [InlineData(2, 2, "model.decoder.layers.1.self_attn.out_proj.weight")]
    public void A_resumed_run_deepened_to_more_blocks_computes_what_it_did_and_then_trains_the_new_blocks(
        int? encoderBlocks, int? decoderBlocks, string newProjection)
    {
        string corpus = _temp.File("corpus5"), output = _temp.File("deepened");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 3);
        new Trainer(options, NullLogger.Instance).Run();
        var trained = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));

        // Its schedule complete, the run only loads the model, deepens it, validates and saves: the same loss.
        var deepening = options with { DeepenEncoderTo = encoderBlocks, DeepenDecoderTo = decoderBlocks };
        new Trainer(deepening, NullLogger.Instance).Run();
        var losses = File.ReadLines(Path.Combine(output, "validation.tsv")).Skip(1).Select(row => row.Split('\t')[1]).ToList();
        Assert.Equal(2, losses.Count);
        Assert.Equal(losses[0], losses[1]);
        var deepened = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        foreach (var (name, tensor) in trained)
            Assert.True(tensor.eq(deepened[name]).all().item<bool>(), name);
        Assert.Equal(0, deepened[newProjection].abs().sum().item<float>());
        using (var recognizer = SpeechRecognizer.Load(Path.Combine(output, "model")))
        {
            Assert.Equal(encoderBlocks ?? options.EncoderLayers, recognizer.Dimensions.AudioLayers);
            Assert.Equal(decoderBlocks ?? options.DecoderLayers, recognizer.Dimensions.TextLayers);
        }

        // Resumed again with the same options, it is not deepened twice, and training reaches the new blocks.
        new Trainer(deepening with { Steps = 5 }, NullLogger.Instance).Run();
        var retrained = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        Assert.Equal(deepened.Keys.Order(), retrained.Keys.Order());
        Assert.True(retrained[newProjection].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_resumed_run_widened_computes_nearly_what_it_did_then_warms_up_again_and_trains_the_new_channels()
    {
        string corpus = _temp.File("corpus7"), output = _temp.File("widened");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 3) with { WarmupSteps = 2 };
        new Trainer(options, NullLogger.Instance).Run();

        // Its schedule complete, the run only loads the model, widens it, validates and saves.
        var widening = options with { WidenTo = 128 };
        new Trainer(widening, NullLogger.Instance).Run();
        var losses = File.ReadLines(Path.Combine(output, "validation.tsv")).Skip(1)
            .Select(row => double.Parse(row.Split('\t')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, losses.Count);
        Assert.InRange(losses[1], losses[0] * 0.99, losses[0] * 1.01);
        using (var recognizer = SpeechRecognizer.Load(Path.Combine(output, "model")))
        {
            Assert.Equal(128, recognizer.Dimensions.AudioState);
            Assert.Equal(2, recognizer.Dimensions.TextHeads);
        }
        var widened = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        const string NewHeadOutput = "model.decoder.layers.0.self_attn.out_proj.weight"; // its columns 64-127 read the new head
        Assert.Equal(0, widened[NewHeadOutput][.., 64..].abs().sum().item<float>());

        // Resumed again with the same options: not widened twice; the moments saved without a step restart, with a warm-up.
        var logger = new RecordingLogger();
        new Trainer(widening with { Steps = 5 }, logger).Run();
        Assert.DoesNotContain(logger.Entries, e => e.Message.StartsWith("widened", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Message.Contains("holds the moments of no optimiser step); the learning rate warms up again", StringComparison.Ordinal));
        var retrained = SafeTensorsFile.Read(Path.Combine(output, "model", "model.safetensors"));
        Assert.True(retrained[NewHeadOutput][.., 64..].abs().sum().item<float>() > 0);
    }

    [Theory]
    [InlineData(128, null)]
    [InlineData(null, 2)]
    public void A_new_run_is_not_widened_or_deepened_but_made_as_wide_and_deep_as_asked(int? widenTo, int? deepenEncoderTo)
    {
        string corpus = _temp.File("corpus8"), output = _temp.File("new");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 1) with { WidenTo = widenTo, DeepenEncoderTo = deepenEncoderTo };

        var error = Assert.Throws<ArgumentException>(() => new Trainer(options, NullLogger.Instance).Run());

        Assert.Equal("options", error.ParamName); // a usage error on the command line
        Assert.StartsWith("Widening and deepening grow a trained model", error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Deepening_a_stack_to_fewer_blocks_than_it_has_is_refused_naming_the_stack_and_both_counts()
    {
        string corpus = _temp.File("corpus6"), output = _temp.File("shallower");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 1, seed: 6, workers: 2);
        var options = TinyRun(corpus, output, steps: 1) with { EncoderLayers = 2, DecoderLayers = 2 };
        new Trainer(options, NullLogger.Instance).Run();

        var encoder = Assert.Throws<ArgumentException>(() => new Trainer(options with { DeepenEncoderTo = 1 }, NullLogger.Instance).Run());
        var decoder = Assert.Throws<ArgumentException>(() => new Trainer(options with { DeepenDecoderTo = 1 }, NullLogger.Instance).Run());

        foreach (var (error, stack) in new[] { (encoder, "encoder"), (decoder, "decoder") })
        {
            Assert.Equal("options", error.ParamName); // a usage error on the command line
            Assert.Contains($"The {stack} cannot be deepened to 1 blocks", error.Message);
            Assert.Contains("has 2", error.Message);
        }
    }

    [Fact]
    public void With_a_later_decay_start_the_rate_holds_at_its_peak_until_then_and_falls_by_the_cosine_after()
    {
        string corpus = _temp.File("corpus4"), output = _temp.File("annealed");
        Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 8, workers: 2);
        var options = TinyRun(corpus, output, steps: 6) with { DecayFrom = 3, PeakLearningRate = 1e-3 };

        new Trainer(options, NullLogger.Instance).Run();

        var rates = File.ReadLines(Path.Combine(output, "train_log.tsv")).Skip(1)
            .Select(line => double.Parse(line.Split('\t')[5], CultureInfo.InvariantCulture)).ToList();
        double Cosine(double progress) => 1e-3 * (0.1 + 0.9 * (1 + Math.Cos(Math.PI * progress)) / 2);
        double[] expected = [1e-3, 1e-3, 1e-3, Cosine(0), Cosine(1.0 / 3), Cosine(2.0 / 3)];
        Assert.Equal(expected.Length, rates.Count);
        Assert.All(expected.Zip(rates), pair => Assert.Equal(pair.First, pair.Second, 1e-6));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(6)]
    public void A_decay_start_outside_the_schedule_is_refused(int decayFrom)
    {
        var options = new TrainingOptions { CorpusDirectory = _temp.File("none"), OutputDirectory = _temp.File("out"), Steps = 6, DecayFrom = decayFrom };

        var error = Assert.Throws<ArgumentException>(() => new Trainer(options, NullLogger.Instance));

        Assert.Contains(decayFrom.ToString(CultureInfo.InvariantCulture), error.Message);
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    [Fact]
    public void Fine_tuning_a_whisper_checkpoint_on_a_manifest_lowers_its_loss_and_saves_a_model_of_the_same_kind()
    {
        // A manifest of one's own: path and text only (durations are measured), paths relative to it.
        string corpus = _temp.File("own"), output = _temp.File("finetune");
        var recorded = Corpus.Build(corpus, trainUtterances: 4, testUtterances: 1, seed: 7, workers: 2);
        string manifest = Path.Combine(corpus, "mine.tsv");
        File.WriteAllLines(manifest, ["text\tpath\tsplit", .. recorded.Select(u => $"{u.Text}\t{u.Path}\t{(u.Split == Corpus.Train ? "train" : "dev")}")]);
        string whisper = SharedData.PathOf("oracle/rand-s64-en-f32.bin"); // English-only GPT-2 vocabulary, 30 s windows
        var options = new TrainingOptions
        {
            CorpusDirectory = manifest, OutputDirectory = output, InitialModel = whisper, Steps = 12, WarmupSteps = 2,
            PeakLearningRate = 1e-3, MaxBatchFrames = 6000, ValidateEvery = 1000, ValidationUtterances = 1, JoinProbability = 0,
        };

        new Trainer(options, NullLogger.Instance).Run();

        var rows = File.ReadLines(Path.Combine(output, "train_log.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        var losses = rows.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(12, losses.Count);
        Assert.True(losses.TakeLast(3).Average() < losses.Take(3).Average() - 0.5, $"loss went from {losses.Take(3).Average():F2} to {losses.TakeLast(3).Average():F2}");
        Assert.All(rows, f => Assert.Equal("NaN", f[3])); // no CTC head when fine-tuning
        Assert.False(File.Exists(Path.Combine(output, "model", "ctc_head.safetensors")));
        var (model, tokenizer) = CheckpointReader.Load(Path.Combine(output, "model"));
        using (model)
        {
            Assert.Equal(51864, model.Dimensions.VocabularySize);
            Assert.False(model.VariableLengthAudio);
            Assert.Equal(" And so my fellow Americans", tokenizer.Decode(tokenizer.Encode(" And so my fellow Americans")));
        }
    }

    [Fact]
    public void Examples_without_speech_are_refused_for_a_whisper_model_which_says_no_speech_with_its_own_token()
    {
        string corpus = _temp.File("own"), output = _temp.File("finetune");
        Corpus.Build(corpus, trainUtterances: 2, testUtterances: 1, seed: 7, workers: 2);
        var options = new TrainingOptions
        {
            CorpusDirectory = corpus, OutputDirectory = output, InitialModel = SharedData.PathOf("oracle/rand-s64-en-f32.bin"),
            Steps = 2, NoSpeechShare = 0.05,
        };

        var error = Assert.Throws<ArgumentException>(() => new Trainer(options, NullLogger.Instance).Run());

        Assert.Contains("a Whisper model says \"no speech\" with <|nospeech|>", error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_manifest_without_path_and_text_columns_is_refused_with_its_name()
    {
        string manifest = _temp.File("bad.tsv");
        File.WriteAllLines(manifest, ["file\ttranscript", "a.wav\thello"]);

        var error = Assert.Throws<InvalidDataException>(() => Corpus.Read(manifest));

        Assert.Contains(manifest, error.Message);
        Assert.Contains("path and text", error.Message);
    }
}
