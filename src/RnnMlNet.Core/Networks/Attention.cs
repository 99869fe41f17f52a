namespace RnnMlNet;

/// <summary>How a sequence-to-sequence decoder reads the encoder's outputs (Luong, Pham &amp; Manning 2015, global attention).</summary>
public enum Attention
{
    /// <summary>No attention: the encoder's final state is all the decoder sees of the source.</summary>
    None,

    /// <summary>score(h_t, e_j) = h_t · e_j: no weights of its own.</summary>
    Dot,

    /// <summary>score(h_t, e_j) = h_t · (e_j·W_a): a learned map between the encoder's and the decoder's units.</summary>
    General,
}
