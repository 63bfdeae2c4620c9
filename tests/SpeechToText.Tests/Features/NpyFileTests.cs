using SpeechToText.Features;

namespace SpeechToText.Tests.Features;

public class NpyFileTests
{
    [Fact]
    public void Round_trips_a_float32_matrix_with_a_64_byte_aligned_header()
    {
        using var temp = new TempDirectory();
        string path = temp.File("a.npy");
        var values = Enumerable.Range(0, 6).Select(i => i * 0.5f).ToArray();
        using (var file = File.Create(path))
            NpyFile.Write(file, values, 2, 3);

        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
        var (shape, read) = NpyFile.Read(path);
        Assert.Equal(new[] { 2, 3 }, shape);
        Assert.Equal(values, read);
    }

    [Fact]
    public void Rejects_a_file_whose_data_does_not_match_its_shape()
    {
        using var temp = new TempDirectory();
        string path = temp.File("short.npy");
        using (var file = File.Create(path))
            NpyFile.Write(file, new float[4], 2, 2);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^4]);

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));
        Assert.Contains("needs 16 data bytes, the file has 12", error.Message);
    }
}
