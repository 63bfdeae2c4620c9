using System.Text.Json;
using SpeechToText.Checkpoints;
using SpeechToText.Cli;
using SpeechToText.Cli.Commands;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;

namespace SpeechToText.Tests.Cli;

/// <summary>
/// stt transcribe, run with the oracle's random-weight model: the text is meaningless, but everything
/// around it (options, formats, files, errors, determinism) is what a user sees with a real model.
/// </summary>
public sealed class TranscribeCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static string Model => SharedData.PathOf("oracle/rand-s64-en-f32.bin");
    static string Jfk => SharedData.PathOf("oracle/jfk.wav");

    [Fact]
    public void Json_of_silence_has_no_segments_and_still_names_the_language()
    {
        string silence = _temp.Write("silence.wav", TestAudio.Wav16(new short[16000 * 3]));

        var result = SttCommandLine.Run("transcribe", silence, "-f", "json"); // the bundled model: English only

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var document = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(0, document.GetProperty("segments").GetArrayLength());
        Assert.Equal("en", document.GetProperty("language").GetString());
    }

    [Fact]
    public void Json_of_no_audio_names_the_language_a_multilingual_model_detects_in_it()
    {
        var dimensions = new ModelDimensions(80, 30, 16, 2, 1, 51865, 16, 16, 2, 1);
        using var model = WhisperModelTests.RandomModel(dimensions, 23);
        using var oracle = GgmlCheckpoint.Read(Model);
        string multilingual = _temp.File("multilingual.bin"), empty = _temp.Write("empty.wav", TestAudio.Wav16([]));
        GgmlCheckpoint.Write(multilingual, dimensions, oracle.Vocabulary, model.state_dict(), float16: false);

        var result = SttCommandLine.Run("transcribe", empty, "-m", multilingual, "-f", "json");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var document = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(0, document.GetProperty("segments").GetArrayLength());
        using var recognizer = SpeechRecognizer.Load(multilingual);
        Assert.Equal(recognizer.DetectLanguage([]).Language, document.GetProperty("language").GetString());
    }

    [Fact]
    public void The_bundled_model_s_segments_begin_with_a_space_so_that_the_whole_text_keeps_its_words_apart()
    {
        var sentence = SpeechToText.Audio.AudioInput.ReadAll(Repository.Sample("short.wav"));
        string twice = _temp.Write("twice.wav", TestAudio.Wav16(TestAudio.ToPcm16([.. sentence, .. new float[16000 * 2], .. sentence])));

        var result = SttCommandLine.Run("transcribe", twice, "-f", "json", "--word-timestamps");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var document = JsonDocument.Parse(result.Output).RootElement;
        var segments = document.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(2, segments.Count); // one a sentence: the pause between them cuts the audio
        Assert.All(segments, s => Assert.StartsWith(" ", s.GetProperty("text").GetString()));
        Assert.All(segments, s => Assert.Equal(s.GetProperty("text").GetString(), string.Concat(s.GetProperty("words").EnumerateArray().Select(w => w.GetProperty("word").GetString()))));
        Assert.Equal(string.Concat(segments.Select(s => s.GetProperty("text").GetString())), document.GetProperty("text").GetString());
    }

    [Fact]
    public void A_language_given_to_an_english_only_model_is_named_as_not_used()
    {
        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-l", "de", "--temperature", "0", "--beam-size", "1", "-f", "json");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Contains("the model is English-only: the language \"de\" is not used; it transcribes English", result.Error);
        Assert.Equal("en", JsonDocument.Parse(result.Output).RootElement.GetProperty("language").GetString());
    }

    [Fact]
    public void Json_output_is_deterministic_and_carries_timestamped_segments_with_token_ids()
    {
        // Greedy and one thread: the random model's beams tie to the last bits, and libtorch's sums vary in their last
        // bits with how it splits them among threads on a loaded machine (both seen in parallel test runs).
        string[] arguments = ["transcribe", Jfk, "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "1", "--threads", "1"];
        var first = SttCommandLine.Run(arguments);
        var second = SttCommandLine.Run(arguments);

        Assert.True(first.ExitCode == ExitCode.Ok, first.Error);
        Assert.Equal(first.Output, second.Output);
        var segments = JsonDocument.Parse(first.Output).RootElement.GetProperty("segments");
        Assert.True(segments.GetArrayLength() > 0);
        Assert.Equal("en", JsonDocument.Parse(first.Output).RootElement.GetProperty("language").GetString()); // an English-only model
        var tokens = segments[0].GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToList();
        Assert.InRange(tokens[0], 50363, 50363 + 50); // opens with a timestamp no later than 1 s
        Assert.Equal(tokens.Count, segments[0].GetProperty("probabilities").GetArrayLength());
        Assert.True(segments[0].GetProperty("end").GetDouble() > segments[0].GetProperty("start").GetDouble());
    }

    [Fact]
    public void Word_timestamps_give_each_segment_its_words_in_order_within_it()
    {
        var plain = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "1");
        var timed = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "1", "--word-timestamps");

        Assert.True(timed.ExitCode == ExitCode.Ok, timed.Error);
        Assert.DoesNotContain("\"words\"", plain.Output);
        var segments = JsonDocument.Parse(timed.Output).RootElement.GetProperty("segments").EnumerateArray().ToList();
        Assert.NotEmpty(segments);
        double previousEnd = 0;
        foreach (var segment in segments)
        {
            var words = segment.GetProperty("words").EnumerateArray().ToList();
            Assert.Equal(segment.GetProperty("text").GetString(), string.Concat(words.Select(w => w.GetProperty("word").GetString())));
            foreach (var word in words)
            {
                double start = word.GetProperty("start").GetDouble(), end = word.GetProperty("end").GetDouble();
                Assert.True(previousEnd <= start && start <= end && end <= 11.1, $"{word}: after {previousEnd}");
                Assert.InRange(word.GetProperty("probability").GetDouble(), 0, 1);
                previousEnd = end;
            }
            Assert.Equal(words[0].GetProperty("start").GetDouble(), segment.GetProperty("start").GetDouble());
            Assert.Equal(words[^1].GetProperty("end").GetDouble(), segment.GetProperty("end").GetDouble());
        }
    }

    [Fact]
    public void A_word_language_model_weight_above_the_character_models_is_a_usage_error()
    {
        var result = SttCommandLine.Run("transcribe", Repository.Sample("short.wav"), "--lm-weight", "0.2", "--word-lm-weight", "0.3");

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains("The word language model's weight (0.3) may not exceed the character language model's (0.2)", result.Error);
    }

    [Fact]
    public void The_beam_size_is_the_one_given_else_the_one_the_model_names_else_five_or_for_live_three()
    {
        string named = _temp.File("named-beams");
        Assert.Equal(ExitCode.Ok, SttCommandLine.Run("convert", Model, named).ExitCode);
        string generation = Path.Combine(named, "generation_config.json");
        File.WriteAllText(generation, File.ReadAllText(generation).Replace("{", "{ \"num_beams\": 4,", StringComparison.Ordinal));

        using var namesFour = SpeechRecognizer.Load(named);
        using var namesNone = SpeechRecognizer.Load(Model);

        Assert.Equal(4, TranscribeCommand.BeamSizeFor(namesFour, given: null));
        Assert.Equal(1, TranscribeCommand.BeamSizeFor(namesFour, given: 1));
        Assert.Equal(5, TranscribeCommand.BeamSizeFor(namesNone, given: null));
        Assert.Equal(4, TranscribeCommand.BeamSizeFor(namesFour, given: null, fallback: LiveCommand.DefaultBeamSize));
        Assert.Equal(LiveCommand.DefaultBeamSize, TranscribeCommand.BeamSizeFor(namesNone, given: null, fallback: LiveCommand.DefaultBeamSize));
    }

    [Fact]
    public void Beam_search_follows_the_timestamp_rules_in_every_beam()
    {
        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "3");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var segments = JsonDocument.Parse(result.Output).RootElement.GetProperty("segments");
        Assert.True(segments.GetArrayLength() > 0);
        foreach (var segment in segments.EnumerateArray())
        {
            var tokens = segment.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToList();
            Assert.True(tokens[0] >= 50363, $"segment opens with {tokens[0]}, not a timestamp");
            Assert.True(segment.GetProperty("end").GetDouble() >= segment.GetProperty("start").GetDouble());
        }
    }

    [Fact]
    public void With_every_quality_check_off_no_window_falls_back_to_a_hotter_temperature()
    {
        static List<double> Temperatures(params string[] options)
        {
            var result = SttCommandLine.Run(["transcribe", Jfk, "-m", Model, "-f", "json", "--beam-size", "1", .. options]);
            Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
            return [.. JsonDocument.Parse(result.Output).RootElement.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("temperature").GetDouble())];
        }

        Assert.Contains(Temperatures(), t => t > 0); // the random model's text is unlikely: it falls back
        Assert.All(Temperatures("--compression-ratio-threshold", "none", "--logprob-threshold", "none", "--no-speech-threshold", "NONE"), t => Assert.Equal(0, t));
    }

    [Fact]
    public void Subtitle_options_lay_out_the_cues_from_the_words()
    {
        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "srt", "--temperature", "0", "--beam-size", "1",
            "--word-timestamps", "--max-line-width", "20", "--max-line-count", "2", "--highlight-words");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var cues = result.Output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Split('\n')[2..]).ToList();
        Assert.NotEmpty(cues);
        Assert.All(cues, lines => Assert.InRange(lines.Length, 1, 2));
        Assert.All(cues.SelectMany(l => l), line => Assert.True(line.Replace("<u>", "").Replace("</u>", "").Length <= 20 || !line.Trim().Contains(' '), line));
        Assert.Contains(cues, lines => lines.Any(l => l.Contains("<u>")));
    }

    [Fact]
    public void Format_all_writes_every_format_into_the_output_directory()
    {
        string directory = Path.Combine(_temp.Path, "out");

        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "--format", "all", "-o", directory, "--temperature", "0");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        Assert.Equal(new[] { "jfk.json", "jfk.srt", "jfk.tsv", "jfk.txt", "jfk.vtt" }, Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.StartsWith("WEBVTT", File.ReadAllText(Path.Combine(directory, "jfk.vtt")));
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Without_timestamps_the_window_is_one_segment_of_text()
    {
        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "tsv", "--no-timestamps", "--temperature", "0");

        Assert.True(result.ExitCode == ExitCode.Ok, result.Error);
        var lines = result.Output.TrimEnd().Split('\n');
        Assert.Equal("start\tend\ttext", lines[0]);
        Assert.StartsWith("0\t11000\t", lines[1]);
    }

    [Fact]
    public void Standard_input_is_transcribed_like_the_file()
    {
        string flac = _temp.File("jfk.flac");
        TestAudio.Ffmpeg(Jfk, flac);

        var fromStdin = SttCommandLine.RunProcess(null, flac, "transcribe", "-", "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "1");
        var fromFile = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-f", "json", "--temperature", "0", "--beam-size", "1");

        Assert.True(fromStdin.ExitCode == ExitCode.Ok, fromStdin.Error);
        // The same text, tokens and times; probabilities may differ in their last digit, as the two runs may
        // use different numbers of threads (one is this process, the other a new one) and so sum in another order.
        // (Greedy decoding, for the same reason: the random model's beams tie to the last bits.)
        using var expected = JsonDocument.Parse(fromFile.Output);
        using var actual = JsonDocument.Parse(fromStdin.Output);
        AssertSameJson(expected.RootElement, actual.RootElement, "$");
    }

    static void AssertSameJson(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} against {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.EnumerateObject().Select(p => p.Name));
                foreach (var property in expected.EnumerateObject())
                    AssertSameJson(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}");
                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: {expected.GetArrayLength()} against {actual.GetArrayLength()} items");
                int index = 0;
                foreach (var (expectedItem, actualItem) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                    AssertSameJson(expectedItem, actualItem, $"{path}[{index++}]");
                break;
            case JsonValueKind.Number:
                Assert.True(Math.Abs(expected.GetDouble() - actual.GetDouble()) <= 1e-4, $"{path}: {expected} against {actual}");
                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{path}: {expected} against {actual}");
                break;
        }
    }

    [Theory]
    [InlineData("--format", "all")]
    [InlineData("--timestamps", "--no-timestamps")]
    [InlineData("--task", "translate")]
    [InlineData("--format", "docx")]
    [InlineData("--beam-size", "0")]
    [InlineData("--beam-size", "2", "--patience", "-1")]
    [InlineData("--lm-weight", "-1")]
    [InlineData("--word-lm-weight", "-1")]
    [InlineData("--temperature", "-1")]
    [InlineData("--temperature", "0", "NaN")]
    [InlineData("--temperature", "0.5", "--best-of", "0")]
    [InlineData("--threads", "0")]
    [InlineData("-t", "-1")]
    [InlineData("--length-penalty", "1.5")]
    [InlineData("--carry-initial-prompt")]
    [InlineData("--highlight-words")]
    [InlineData("--max-line-width", "40")]
    [InlineData("--word-timestamps", "--max-line-count", "2")]
    [InlineData("--word-timestamps", "--max-line-width", "40", "--max-line-count", "2", "--max-words-per-line", "5")]
    [InlineData("--word-timestamps", "--max-words-per-line", "0")]
    [InlineData("--hallucination-silence-threshold", "2")]
    [InlineData("--hallucination-silence-threshold", "-1", "--word-timestamps")]
    [InlineData("--no-speech-threshold", "often")]
    [InlineData("--logprob-threshold", "NaN")]
    [InlineData("--compression-ratio-threshold", "Infinity")]
    public void Contradictory_or_impossible_options_are_usage_errors(params string[] options)
    {
        var result = SttCommandLine.Run(["transcribe", Jfk, "-m", Model, .. options]);
        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.StartsWith("stt: ", result.Error);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("srt")]
    public void Several_inputs_in_a_format_of_one_document_each_need_an_output_directory(string format)
    {
        var result = SttCommandLine.Run("transcribe", Jfk, Jfk, "-m", Model, "-f", format);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains($"--format {format} makes one document per input: give --output-dir for 2 inputs", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Inputs_whose_transcripts_would_share_a_name_are_refused_before_anything_is_written()
    {
        string first = Path.Combine(_temp.Path, "a", "jfk.wav"), second = Path.Combine(_temp.Path, "b", "jfk.wav"), directory = _temp.File("out");
        foreach (string copy in new[] { first, second })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(Jfk, copy);
        }

        var result = SttCommandLine.Run("transcribe", first, second, "-m", Model, "-o", directory);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains($"{first} and {second} would write the same transcripts ({Path.Combine(directory, "jfk")}.*)", result.Error);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void An_output_directory_that_is_a_file_is_refused_and_the_file_kept()
    {
        string file = _temp.Write("notes.txt", "kept"u8.ToArray());

        var result = SttCommandLine.Run("transcribe", Jfk, "-m", Model, "-o", file);

        Assert.Equal(ExitCode.UsageError, result.ExitCode);
        Assert.Contains($"--output-dir {file} is a file, not a directory", result.Error);
        Assert.Equal("kept", File.ReadAllText(file));
    }

    [Fact]
    public void A_missing_or_corrupt_model_is_an_input_error_naming_it()
    {
        string corrupt = _temp.Write("corrupt.bin", [0x6c, 0x6d, 0x67, 0x67, 1, 2, 3]);

        var missing = SttCommandLine.Run("transcribe", Jfk, "-m", "no-such-model.bin");
        var bad = SttCommandLine.Run("transcribe", Jfk, "-m", corrupt);

        Assert.Equal(ExitCode.InputError, missing.ExitCode);
        Assert.StartsWith("stt: error: no-such-model.bin: no such file or directory, and not a model name (tiny.en, tiny,", missing.Error);
        Assert.Equal(ExitCode.InputError, bad.ExitCode);
        Assert.StartsWith($"stt: error: {corrupt}: truncated", bad.Error);
    }

    [Fact]
    public void An_unreadable_input_among_several_is_skipped_the_others_are_transcribed_and_the_command_fails_naming_it()
    {
        string directory = Path.Combine(_temp.Path, "out");
        string broken = _temp.Write("broken.wav", [.. "RIFF"u8, 1, 2, 3]);
        string copy = Path.Combine(_temp.Path, "copy.wav");
        File.Copy(Jfk, copy);

        var result = SttCommandLine.Run("transcribe", Jfk, broken, copy, "-m", Model, "-o", directory, "--temperature", "0", "--beam-size", "1");

        Assert.Equal(ExitCode.InputError, result.ExitCode);
        Assert.Contains($"stt: error: {broken}: ", result.Error);
        Assert.Contains($"stt: error: {broken}: 1 of 3 inputs could not be transcribed (see above)", result.Error);
        Assert.True(File.Exists(Path.Combine(directory, "jfk.txt")));
        Assert.True(File.Exists(Path.Combine(directory, "copy.txt")), result.Error);
        Assert.False(File.Exists(Path.Combine(directory, "broken.txt")));
    }
}
