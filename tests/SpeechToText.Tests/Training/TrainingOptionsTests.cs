using Microsoft.Extensions.Logging.Abstractions;
using SpeechToText.Training;

namespace SpeechToText.Tests.Training;

public sealed class TrainingOptionsTests
{
    static readonly TrainingOptions Defaults = new() { CorpusDirectory = "corpus", OutputDirectory = "run" };

    [Fact]
    public void The_defaults_and_the_bundled_models_runs_are_valid()
    {
        Defaults.Validate();
        (Defaults with { Steps = 24950, DecayFrom = 23750, PeakLearningRate = 1e-4, TimeLimit = TimeSpan.FromMinutes(115), DeepenEncoderTo = 6 }).Validate();
        (Defaults with { DecayFrom = 0, WarmupSteps = 0, WeightDecay = 0, CtcWeight = 0, JoinProbability = 1 }).Validate();
    }

    public static TheoryData<TrainingOptions, string> Impossible => new()
    {
        { Defaults with { Steps = 0 }, "at least 1 step; 0 was given" },
        { Defaults with { TimeLimit = TimeSpan.Zero }, "time limit must be positive; 00:00:00 was given" },
        { Defaults with { PeakLearningRate = double.NaN }, "learning rate must be a positive number; NaN was given" },
        { Defaults with { PeakLearningRate = -1e-4 }, "learning rate must be a positive number; -0.0001 was given" },
        { Defaults with { DecayFrom = 8000 }, "from 0 to before the schedule's end (8000); 8000 was given" },
        { Defaults with { DecayFrom = -1 }, "from 0 to before the schedule's end (8000); -1 was given" },
        { Defaults with { WarmupSteps = -1 }, "warm-up steps must be 0 or more; -1 was given" },
        { Defaults with { WeightDecay = double.PositiveInfinity }, "weight decay must be a finite number, 0 or more; Infinity was given" },
        { Defaults with { ClipNorm = 0 }, "clipping norm must be a positive number; 0 was given" },
        { Defaults with { MaxBatchFrames = 0 }, "batch frames must be at least 1; 0 was given" },
        { Defaults with { Accumulate = 0 }, "(accumulation) must be at least 1; 0 was given" },
        { Defaults with { Accumulate = -1 }, "(accumulation) must be at least 1; -1 was given" },
        { Defaults with { CtcWeight = 1.5 }, "CTC loss's weight must be from 0 to 1; 1.5 was given" },
        { Defaults with { JoinProbability = double.NaN }, "joining utterances must be from 0 to 1; NaN was given" },
        { Defaults with { NoSpeechShare = 1 }, "examples without speech must be at least 0 and below 1; 1 was given" },
        { Defaults with { NoSpeechShare = -0.1 }, "examples without speech must be at least 0 and below 1; -0.1 was given" },
        { Defaults with { ValidateEvery = 0 }, "every 1 step or more; 0 was given" },
        { Defaults with { ValidationUtterances = 0 }, "at least 1 utterance; 0 was given" },
        { Defaults with { Width = 100 }, "positive multiple of 64 (heads of 64); 100 was given" },
        { Defaults with { EncoderLayers = 0 }, "at least 1 block each; 0 and 2 were given" },
        { Defaults with { DeepenEncoderTo = 0 }, "cannot be deepened to 0 blocks" },
        { Defaults with { DeepenDecoderTo = 0 }, "decoder cannot be deepened to 0 blocks" },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public void An_impossible_option_is_refused_naming_it_and_its_value(TrainingOptions options, string reason)
    {
        var refusal = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal("options", refusal.ParamName);
        Assert.Contains(reason, refusal.Message);
    }

    [Fact]
    public void A_trainer_refuses_impossible_options_before_it_touches_the_run()
    {
        using var temp = new TempDirectory();
        string run = temp.File("run");

        Assert.Throws<ArgumentException>(() => new Trainer(Defaults with { OutputDirectory = run, Accumulate = -1 }, NullLogger.Instance));

        Assert.False(Directory.Exists(run));
    }
}
