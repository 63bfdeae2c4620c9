using System.Text;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;

namespace SpeechToText.Text;

/// <summary>
/// The start of a language model file: four letters naming its kind, its format's version, then the model's order,
/// alphabet (UTF-8, its length first) and fusion weight.
/// </summary>
internal readonly record struct LanguageModelHeader(int Order, string Alphabet, double FusionWeight)
{
    /// <summary>Writes the header of a file of the kind <paramref name="magic"/> names, in format <paramref name="version"/>.</summary>
    public void Write(BinaryWriter writer, uint magic, int version)
    {
        writer.Write(magic);
        writer.Write(version);
        writer.Write(Order);
        byte[] alphabet = Encoding.UTF8.GetBytes(Alphabet);
        writer.Write(alphabet.Length);
        writer.Write(alphabet);
        writer.Write(FusionWeight);
    }

    /// <summary>
    /// Reads the header of <paramref name="path"/>, refusing a file of another kind than <paramref name="magic"/>
    /// (a <paramref name="kind"/>), another format version, an overlong alphabet or an impossible fusion weight.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such a model, or its header is truncated or corrupt.</exception>
    public static LanguageModelHeader Read(BoundedReader reader, string path, uint magic, int version, string kind)
    {
        if (reader.UInt32() != magic)
            throw new InvalidDataException($"{path}: not a {kind} (no {Encoding.ASCII.GetString(BitConverter.GetBytes(magic))} header)");
        int found = reader.Int32();
        if (found != version)
            throw new InvalidDataException($"{path}: version {found} of the {kind} format is not supported (only {version})");
        int order = reader.Int32();
        string alphabet = Encoding.UTF8.GetString(reader.Bytes(reader.Count(reader.Int32(), "the alphabet's length", 4 * CharacterLanguageModel.MaxAlphabet), "the alphabet"));
        double weight = BitConverter.UInt64BitsToDouble(reader.UInt64());
        if (!ScoreWeight.IsValid(weight))
            throw new InvalidDataException($"{path}: the fusion weight must be a finite number, 0 or more; {weight} is not");
        return new LanguageModelHeader(order, alphabet, weight);
    }
}
