// States every link reports through linkState().
export const LINK_DOWN = 0;
export const LINK_OPENING = 1;
export const LINK_UP = 2;
