// Build task: marks one symbol-version requirement of an ELF shared library as weak.
//
// TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++) only through
// `_ZSt21ios_base_library_initv`, a link-time marker the library never calls. Older systems
// (Debian 12 ships up to GLIBCXX_3.4.30) refuse to load the library for that alone. Setting
// VER_FLG_WEAK on that requirement in `.gnu.version_r` lets the dynamic loader accept it.
//
// The task rewrites the file only when the system libstdc++ lacks the version, so newer
// systems keep the library byte for byte as shipped. The rewrite replaces the file instead of
// editing it in place, so a hard link into the NuGet cache is never modified.
#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenSymbolVersion : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
    };

    /// <summary>The ELF shared library to patch.</summary>
    [Required] public string Library { get; set; } = "";

    /// <summary>The version requirement to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(Library))
            return true;
        string? libStdCxx = Array.Find(LibStdCxxCandidates, File.Exists);
        if (libStdCxx == null)
        {
            Log.LogMessage(MessageImportance.Low, "No system libstdc++ found; {0} left as shipped.", Library);
            return true;
        }
        if (Contains(File.ReadAllBytes(libStdCxx), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "{0} provides {1}; {2} left as shipped.", libStdCxx, Version, Library);
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        string? error = Weaken(elf, Version, out bool changed);
        if (error != null)
        {
            Log.LogError("Cannot make {0} loadable on this system: {1}", Library, error);
            return false;
        }
        if (changed)
        {
            string temporary = Library + ".patching";
            File.WriteAllBytes(temporary, elf);
            File.Delete(Library);
            File.Move(temporary, Library);
            Log.LogMessage(MessageImportance.Normal, "Marked the {0} requirement of {1} weak ({2} lacks it).", Version, Library, libStdCxx);
        }
        return true;
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement named <paramref name="version"/>; returns an error or null.</summary>
    static string? Weaken(byte[] elf, string version, out bool changed)
    {
        changed = false;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return "not an ELF file";
        if (elf[4] != 2 || elf[5] != 1)
            return "not a 64-bit little-endian ELF file";
        ulong sectionTable = U64(elf, 0x28);
        int entrySize = U16(elf, 0x3A);
        int sectionCount = U16(elf, 0x3C);
        if (entrySize < 64 || !Fits(elf, sectionTable, (ulong)entrySize * (ulong)sectionCount))
            return "section header table lies outside the file";

        bool found = false;
        for (int s = 0; s < sectionCount; s++)
        {
            int header = (int)sectionTable + s * entrySize;
            if (U32(elf, header + 4) != ShtGnuVerneed)
                continue;
            ulong offset = U64(elf, header + 24), size = U64(elf, header + 32);
            uint link = U32(elf, header + 40), entries = U32(elf, header + 44);
            if (!Fits(elf, offset, size) || link >= sectionCount)
                return ".gnu.version_r lies outside the file";
            int strings = (int)sectionTable + (int)link * entrySize;
            ulong stringsOffset = U64(elf, strings + 24), stringsSize = U64(elf, strings + 32);
            if (!Fits(elf, stringsOffset, stringsSize))
                return "the version string table lies outside the file";

            ulong need = offset;
            for (uint n = 0; n < entries; n++)
            {
                if (!Fits(elf, need, 16)) return "truncated version requirement";
                int count = U16(elf, (int)need + 2);
                ulong aux = need + U32(elf, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    if (!Fits(elf, aux, 16)) return "truncated version requirement";
                    uint name = U32(elf, (int)aux + 8);
                    if (name < stringsSize && NameEquals(elf, stringsOffset + name, stringsOffset + stringsSize, version))
                    {
                        found = true;
                        ushort flags = (ushort)U16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) == 0)
                        {
                            flags |= VerFlagWeak;
                            elf[(int)aux + 4] = (byte)flags;
                            elf[(int)aux + 5] = (byte)(flags >> 8);
                            changed = true;
                        }
                    }
                    aux += U32(elf, (int)aux + 12);
                }
                uint next = U32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return found ? null : "it has no " + version + " requirement";
    }

    static bool NameEquals(byte[] elf, ulong start, ulong end, string name)
    {
        if (start + (ulong)name.Length >= end) return false;
        for (int i = 0; i < name.Length; i++)
            if (elf[(int)start + i] != (byte)name[i]) return false;
        return elf[(int)start + name.Length] == 0;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
    static bool Fits(byte[] elf, ulong offset, ulong length) => offset <= (ulong)elf.Length && length <= (ulong)elf.Length - offset;
    static int U16(byte[] b, int at) => b[at] | b[at + 1] << 8;
    static uint U32(byte[] b, int at) => (uint)U16(b, at) | (uint)U16(b, at + 2) << 16;
    static ulong U64(byte[] b, int at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;
}
