using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using static TorchSharp.torch;

namespace SpeechToText.Tests.Decoding;

/// <summary>
/// The transcriber scores beam search by the model's CTC head at the weight the options give, else at the model's
/// own: a head that hears nothing (the blank in every frame), weighed heavily, ends the transcript as soon as the
/// decoder proposes its end, long before the decoder would.
/// </summary>
public sealed class CtcDecodingTests
{
    static string Transcribe(DecodingOptions options, double? modelWeight)
    {
        var (model, tokenizer) = CheckpointReader.Load(Repository.BundledModel);
        using (model)
        using (var directory = new TempDirectory())
        {
            int classes = tokenizer.TextTokenCount + 1;
            var bias = new float[classes];
            bias[^1] = 10; // the blank
            string head = directory.File(CtcHead.FileName);
            SafeTensorsFile.Write(head, new Dictionary<string, Tensor> { ["weight"] = zeros(classes, model.Dimensions.AudioState), ["bias"] = tensor(bias) });
            model.CtcHead = CtcHead.Load(head, model.Dimensions.AudioState, tokenizer.TextTokenCount);
            model.CtcWeight = modelWeight;
            var samples = AudioInput.ReadAll(Repository.Sample("short.wav"));
            return string.Concat(new Transcriber(model, tokenizer).Transcribe(samples, options).Select(s => s.Text)).Trim();
        }
    }

    [Fact]
    public void The_model_s_weight_applies_unless_the_options_give_one_and_greedy_decoding_uses_none()
    {
        const string Heard = "the direction in which a compass needle points";
        var beams = new DecodingOptions { BeamSize = 5, Temperatures = [0.0] }; // no sampling to fall back on

        Assert.Equal(Heard, Transcribe(beams, modelWeight: null));
        Assert.NotEqual(Heard, Transcribe(beams, modelWeight: 5));
        Assert.Equal(Heard, Transcribe(beams with { CtcWeight = 0 }, modelWeight: 5));
        Assert.NotEqual(Heard, Transcribe(beams with { CtcWeight = 5 }, modelWeight: null));
        Assert.Equal(Heard, Transcribe(beams with { BeamSize = 1, CtcWeight = 5 }, modelWeight: null));
    }
}
